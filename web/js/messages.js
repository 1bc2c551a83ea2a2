// messages.js — Japanese wording for the server's error codes.
//
// The server answers {"error":{code, message, field}} with an English
// message for developers. Clerks get Japanese: a sentence per code, made
// more precise for the cases a clerk can fix (the field's label is given by
// the form that sent the request). Where one code covers several cases the
// English message is matched; anything unrecognised falls back to the
// code's sentence.

const BY_CODE = {
  network: 'サーバーに接続できません。ネットワークを確認して、もう一度お試しください。',
  bad_request: '要求の内容が正しくありません。',
  malformed_json: '送信した内容の形式が正しくありません。',
  invalid_utf8: '使用できない文字が含まれています。',
  unknown_field: '想定されていない項目が含まれています。',
  missing_field: '入力してください。',
  wrong_type: '値の種類が正しくありません。',
  too_long: '長すぎます。',
  invalid_value: '値が正しくありません。',
  unauthenticated: 'ログインしていないか、セッションが終了しました。もう一度ログインしてください。',
  invalid_credentials: '町村コード、ユーザー名またはパスワードが正しくありません。',
  csrf_failed: '画面の有効期限が切れました。画面を再読み込みしてから、もう一度お試しください。',
  forbidden: 'この操作を行う権限がありません。',
  not_found: '対象が見つかりません。',
  method_not_allowed: 'この操作は行えません。',
  conflict: 'すでに登録されています。',
  payload_too_large: '送信する内容が大きすぎます。',
  unsupported_media_type: '送信形式が正しくありません。',
  account_locked:
    'ログインの失敗が続いたため、このアカウントはロックされています。しばらく待ってから再度お試しいただくか、町村管理者に解除を依頼してください。',
  too_many_requests: '混み合っています。しばらく待ってから、もう一度お試しください。',
  internal: 'サーバーで問題が発生しました。時間をおいてもう一度お試しください。解決しない場合はシステム担当者に連絡してください。',
  unavailable: '現在この町村のデータを利用できません。システム担当者に連絡してください。',
};

// Precise wording, tried in order: [code or '*', pattern on the English
// message, Japanese (a function of the label and the match)].
const BY_MESSAGE = [
  ['*', /at least (\d+) characters/, (l, m) => `${l}は${m[1]}文字以上で入力してください。`],
  ['*', /must not be the login name/, (l) => `${l}にログイン名と同じものは使えません。`],
  ['*', /control characters/, (l) => `${l}に改行などの制御文字は使えません。`],
  ['*', /too long \((\d+) characters, at most (\d+)\)/, (l, m) => `${l}は${m[2]}文字以内で入力してください。`],
  ['*', /too long/, (l) => `${l}が長すぎます。`],
  ['invalid_value', /the current password is wrong/, () => '現在のパスワードが正しくありません。'],
  ['invalid_value', /must differ from the current/, () => '新しいパスワードは、現在のパスワードと異なるものにしてください。'],
  ['invalid_value', /check digit \(the sixth digit should be (\d)\)/,
    (l, m) => `${l}の検査数字（6桁目）が正しくありません。6桁目は ${m[1]} になるはずです。`],
  ['invalid_value', /six-digit/, (l) => `${l}は6桁の数字で入力してください。`],
  ['invalid_value', /may use only a-z|must be 2 to \d+ characters/,
    (l) => `${l}は、英小文字または数字で始まる2〜32文字（英小文字・数字・「.」「_」「-」）で入力してください。`],
  ['invalid_value', /administrators cannot disable themselves or change their own role/,
    () => '自分自身のアカウントを無効にしたり、自分の役割を変更したりすることはできません。'],
  ['invalid_value', /operator accounts are created by the consortium/,
    () => '運用担当のアカウントはこの画面では作成できません（共同化事務局が作成します）。'],
  ['invalid_value', /operator's role is managed by the consortium/,
    () => '運用担当の役割はこの画面では変更できません。'],
  ['invalid_value', /change your own password/,
    () => '自分のパスワードは「パスワード変更」から変更してください。'],
  ['invalid_value', /cannot disable the town they are signed in to/,
    () => 'ログイン中の団体を無効にすることはできません。'],
  ['invalid_value', /role must be one of/, () => '役割を選んでください。'],
  ['invalid_value', /to must be after from/, () => '終了日は開始日以降の日付にしてください。'],
  ['invalid_value', /must be a date/, (l) => `${l}の日付が正しくありません。`],
  ['conflict', /login .* is already taken/, () => 'このログイン名はすでに使われています。'],
  ['conflict', /town .* is already registered/, () => 'この町村コードはすでに登録されています。'],
  ['missing_field', /./, (l) => `${l}を入力してください。`],
  ['account_locked', /now locked/,
    () => 'パスワードの誤りが続いたため、アカウントがロックされました。町村管理者に解除を依頼してください。'],
];

// The Japanese sentence for an ApiError. label names the field the error
// is about (shown before the sentence when the sentence does not name it).
export function errorMessage(err, label = '') {
  const code = err && err.code ? err.code : 'internal';
  const en = err && err.message ? err.message : '';
  for (const [c, re, make] of BY_MESSAGE) {
    if (c !== '*' && c !== code) continue;
    const m = re.exec(en);
    if (m) return make(label || '入力内容', m);
  }
  const base = BY_CODE[code];
  if (base) return label && !['invalid_credentials', 'account_locked'].includes(code) ? `${label}：${base}` : base;
  return `エラーが発生しました（${code}）。`;
}

// Labels of audit actions, for the audit log table.
export const ACTION_LABELS = {
  'session.login': 'ログイン',
  'session.logout': 'ログアウト',
  'user.list': '利用者一覧の表示',
  'user.read': '利用者の表示',
  'user.create': '利用者の登録',
  'user.update': '利用者の変更',
  'user.password': 'パスワードの変更・再設定',
  'tenant.create': '団体の登録',
  'tenant.update': '団体の変更',
  'audit.read': '監査ログの閲覧',
  'audit.verify': '監査ログの検証',
  'access.denied': '権限外の操作',
};

// The server's default purposes (the route's, when no X-Kyodo-Purpose header
// was sent), for the audit log table.
export const PURPOSE_LABELS = {
  'sign-in': 'ログイン',
  'sign-out': 'ログアウト',
  'own password change': 'パスワード変更',
  'user administration': '利用者管理',
  'tenant administration': '団体管理',
  'audit review': '監査',
  'audit verification': '監査ログ検証',
  'command line': 'コマンド操作',
};

export const OUTCOME_LABELS = { ok: '成功', denied: '拒否', failed: '失敗' };
