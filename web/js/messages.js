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
  suppressed: '支援措置（DV等支援措置）の対象者のため、この操作はできません。',
  self_approval: 'ご自身が申請したものは承認・却下できません。別の職員が決定します。',
};

// 支援措置: the kinds of request a measure refuses, for messages.
const SUPP_REQUESTERS = { daisansha: '第三者からの請求', koyo: '国・地方公共団体の機関の請求', honnin: '本人等の請求' };

// A person named in a message: the label is their name when the screen
// knows it ('入力内容' is errorMessage's stand-in for no label).
const who = (l) => (l && l !== '入力内容' ? `${l}さん` : 'この方');

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
  // 支援措置 (src/residents/suppression*.c): refusals, and the 申出 form.
  ['suppressed', /it refuses (daisansha|koyo|honnin)/,
    (l, m) => `支援措置の対象者（またはその世帯）のため、${SUPP_REQUESTERS[m[1]]}には証明書を交付できません。`],
  ['suppressed', /your role may not issue their certificates/, () => '支援措置の対象者の証明書は、住民記録責任者が交付します。'],
  ['suppressed', /state one of its protected purposes/, () => '支援措置の対象者です。措置で認められた照会の目的を選んでください。'],
  ['suppressed', /your role may not look them up/, () => '支援措置の対象者です。あなたの役割では、この方の記録を照会できません。'],
  ['invalid_value', /^(applied_on|confirmed_on) is after today/, (l) => `${l}は今日より後の日付にできません。`],
  ['invalid_value', /does not live at the applicant's address/, () => '併せて支援を求める者は、申出者と同じ住所の方に限ります。'],
  ['invalid_value', /the applicant is not also a joint person/, () => '申出者は、併せて支援を求める者に含めません。'],
  ['invalid_value', /a measure lasts at most (\d+) months \(to (\S+) at the latest\)/,
    (l, m) => `期間は${m[1]}か月までです（終了日は${m[2]}まで）。それより長くするときは、期間の終わりに延長を申し出ます。`],
  ['invalid_value', /an extension adds at most (\d+) months \(to (\S+) at the latest\)/, (l, m) => `延長は${m[1]}か月までです（終了日は${m[2]}まで）。`],
  ['invalid_value', /an extension ends after the current end \((\S+)\)/, (l, m) => `延長後の終了日は、現在の終了日（${m[1]}）より後にしてください。`],
  ['invalid_value', /to must not be before from/, () => '終了日は開始日以降の日付にしてください。'],
  ['invalid_value', /a measure is not lifted retroactively/, () => '解除日は今日以降にしてください（さかのぼって解除することはできません）。'],
  ['invalid_value', /after the measure's end .*: it ends by itself/, () => '解除日が措置の終了日より後です（措置は終了日の翌日から自動的に適用されなくなります）。'],
  ['invalid_value', /needs at least one (kind of request|purpose)/, (l) => `${l}を1つ以上選んでください。`],
  ['not_found', /no such person in the register/, (l) => `${l}：この宛名番号の住民は見つかりません。`],
  ['conflict', /waiting for a decision/, () => 'この措置には承認待ちの申請があります。その決定を待ってください。'],
  ['conflict', /ended on (\S+): a new 申出 is needed/, (l, m) => `この措置は${m[1]}に終了しています。新しい申出を受け付けてください。`],
  ['conflict', /is not approved yet/, () => '申出がまだ承認されていません。'],
  ['conflict', /was already (approved|rejected)/, () => 'この申請はすでに決定されています。'],
  ['conflict', /is lifted \(from/, () => 'この措置はすでに解除されています。'],
  // 宛名 (src/residents/addressee*.c): 住登外者, 法人 and merges.
  ['invalid_value', /^(valid_from|birth|changes\.birth) \S+ is after today/, (l) => `${l}は今日より後の日付にできません。`],
  ['invalid_value', /check digit \(法人番号\)/, (l) => `${l}の検査数字が正しくありません（法人番号は13桁で、先頭の1桁が検査数字）。`],
  ['invalid_value', /corp_number must be 13 digits/, () => '法人番号は13桁の数字で入力してください。'],
  ['invalid_value', /is an item of persons \(住登外者\) only/, (l) => `${l}は個人（住登外者）だけの項目です。`],
  ['invalid_value', /is an item of corporations \(法人\) only/, (l) => `${l}は法人だけの項目です。`],
  ['invalid_value', /a resident is recorded by a 異動/, () => '住民は異動届で記録します（ここで登録できるのは住登外者と法人です）。'],
  ['invalid_value', /kind must be nonresident/, () => '種別（住登外者・法人）を選んでください。'],
  ['invalid_value', /is before the record of \S+ begins \((\S+)\)/, (l, m) => `${l}は、この宛名の記録の始まり（${m[1]}）より前にできません。`],
  ['invalid_value', /cannot be emptied/, (l) => `${l}は空にできません。`],
  ['invalid_value', /cannot be merged into itself/, () => '同じ宛名番号どうしは統合できません。'],
  ['invalid_value', /must be a 宛名番号 \(digits\)/, (l) => `${l}は数字で入力してください。`],
  ['missing_field', /changes needs at least one item/, () => '変更する項目を入力してください。'],
  ['not_found', /^no addressee/, () => 'その宛名番号は登録されていません。'],
  ['conflict', /this 法人番号 is already that of corporation (\d+)/, (l, m) => `この法人番号は、すでに宛名番号 ${m[1]} の法人に登録されています。その宛名番号を使うか、2つを統合してください。`],
  ['conflict', /is a resident: the register's record changes by a 異動/, () => 'この宛名番号は住民のものです。住民の記録は異動届で変更します。'],
  ['conflict', /was merged into (\d+) \(merge (\d+)\): record the change/, (l, m) => `この宛名番号は ${m[1]} に統合されています（統合番号 ${m[2]}）。変更は ${m[1]} に記録してください。`],
  ['conflict', /a person and a corporation cannot be merged/, () => '個人と法人は統合できません。'],
  ['conflict', /two residents cannot be merged/, () => '住民どうしは統合できません。住民記録の重複は、異動の取消しや職権消除で正してください。'],
  ['conflict', /^(\d+) is a resident, whose 宛名番号 is the register's and survives: merge (\d+) into (\d+)/,
    (l, m) => `宛名番号 ${m[1]} は住民のものです。住民の宛名番号を残す側にしてください（${m[2]} を ${m[3]} に統合します）。`],
  ['conflict', /is already merged into (\d+) \(merge (\d+)\)/, (l, m) => `この宛名番号は、すでに ${m[1]} に統合されています（統合番号 ${m[2]}）。`],
  ['conflict', /was merged into (\d+) \(merge (\d+)\): merge into/, (l, m) => `残す宛名番号は ${m[1]} に統合されています。${m[1]} に統合してください。`],
  ['conflict', /their 個人番号 differ/, () => '個人番号が異なるため、同じ人として統合できません。'],
  ['conflict', /their 法人番号 differ/, () => '法人番号が異なるため、同じ法人として統合できません。'],
  ['conflict', /^merge \d+ is already undone/, () => 'この統合はすでに取り消されています。'],
  // 証明書交付 (src/residents/api_certificates.c); before the register's
  // reasons, whose "is after today" wording is the 異動日's.
  ['forbidden', /a third party .* may never be given/,
    () => '第三者の請求には、個人番号と住民票コードを記載できません（住民基本台帳法第12条の3）。'],
  ['forbidden', /your role may not print 個人番号/, () => 'あなたの役割では、個人番号を記載した証明書を交付できません。'],
  ['missing_field', /request states its purpose/,
    () => '第三者・公用の請求では、利用目的を入力してください（住民基本台帳法第12条の2、第12条の3）。'],
  ['invalid_value', /^as_of is after today/, () => '基準日は今日より後の日付にできません。'],
  ['invalid_value', /^as_of is before the birth/, () => '基準日が、この方の生年月日より前です。'],
  ['invalid_value', /had no record in this town on as_of/,
    () => '基準日の時点で、この方の記録はありません（この町の記録はそれより後からです）。基準日を確かめてください。'],
  ['invalid_value', /a 世帯連記式 is of one household/,
    () => '基準日に同じ世帯ではない方が含まれています。世帯連記式は1つの世帯の方だけです（別の世帯の方は個人票で交付します）。'],
  ['conflict', /is a 除票 \(removed (\S+)\) on as_of/,
    (l, m) => `${who(l)}は${m[1]}に消除されています（除票）。交付できるのは除票の写しです。`],
  ['conflict', /is a resident on as_of: a 除票の写し/,
    (l) => `${who(l)}は基準日に住民です。除票の写しは、消除された方についてだけ交付できます。`],
  ['conflict', /廃棄証明: the 除票 of \S+ was removed on (\S+), before (\S+),/,
    (l, m) => `この除票は${m[1]}に消除されたもので、保存期間の対象（${m[2]}以後に消除されたもの）ではないため交付できません。廃棄証明を交付してください。`],
  ['not_found', /^no such person$/, () => 'この宛名番号の住民は見つかりません。'],
  ['not_found', /^the household has no members on as_of/, () => '基準日の時点で、この世帯に住民がいません。'],
  // 住民記録 (src/residents): the register's reasons, for the 異動届 and 検索 screens.
  ['invalid_value', /is after today/, (l) => `${l}は今日より後の日付にできません（先の日付にできるのは転出の予定日だけです）。`],
  ['invalid_value', /is after the 異動日/, (l) => `${l}が異動日より後になっています。`],
  ['invalid_value', /has an exact 異動日/, () => '不詳の表記は、出生と死亡の届出だけに使えます。'],
  ['invalid_value', /must be seven digits/, (l) => `${l}は7桁の数字で入力してください。`],
  ['invalid_value', /check digit \(個人番号\)/, (l) => `${l}の検査数字が正しくありません（個人番号は12桁）。`],
  ['invalid_value', /check digit \(住民票コード\)/, (l) => `${l}の検査数字が正しくありません（住民票コードは11桁）。`],
  ['invalid_value', /is an item of (日本人住民|外国人住民) only/, (l, m) => `${l}は${m[1]}だけの項目です。`],
  ['invalid_value', /must be 世帯主, 縁故者, 同居人/,
    (l) => `${l}は「世帯主」「妻」「子」「子の子」のように入力してください（祖父は「父の父」、孫は「子の子」）。`],
  ['invalid_value', /chains at most four relations/, (l) => `${l}は4代までです（5代以上は「縁故者」）。`],
  ['invalid_value', /not full-width katakana|a space at the (start|end)|second space in a row|reading cannot be empty/,
    (l) => `${l}はカタカナ（またはひらがな）で入力してください。空白は名前の区切りに1つだけ使えます。`],
  ['invalid_value', /must be 1 \(男\), 2 \(女\)/, (l) => `${l}を選んでください。`],
  ['invalid_value', /categories of 住民基本台帳法第30条の45/, (l) => `${l}を選んでください。`],
  ['invalid_value', /two letters, eight digits and two letters/,
    (l) => `${l}は、英字2文字・数字8桁・英字2文字（例：AB12345678CD）で入力してください。`],
  ['invalid_value', /must be japanese \(日本人住民\) or foreign/, () => '住民種別を選んでください。'],
  ['invalid_value', /records (日本人住民|外国人住民) only/, (l, m) => `この異動で記載できるのは${m[1]}だけです。`],
  ['invalid_value', /names \S+ twice/, () => '同じ人が2回選ばれています。'],
  ['invalid_value', /has exactly one subject/, () => 'この異動の対象者は1人です。'],
  ['invalid_value', /belong to one household/, () => '対象者は同じ世帯の人にしてください。'],
  ['invalid_value', /a (\S+) involves every member of household (\S+) \((\d+) on (\S+), (\d+) given\)/,
    (l, m) => `${m[1]}は世帯全員（${m[4]}時点で${m[3]}人）について届け出ます。いま${m[5]}人が選ばれています。一部の人だけが移るときは、先に世帯分離を記録してください。`],
  ['invalid_value', /leaves someone in household/, () => '世帯分離では、元の世帯に残る人が必要です（全員が移るときは転居か世帯合併です）。'],
  ['invalid_value', /exactly one 世帯主 \((\d+) given\)/, (l, m) => `世帯主はちょうど1人にしてください（いま${m[1]}人です）。`],
  ['invalid_value', /already has a 世帯主/, () => 'この世帯にはすでに世帯主がいます。続柄を確認してください。'],
  ['invalid_value', /already in household/, () => '対象者はすでにその世帯の世帯員です。'],
  ['invalid_value', /take its address/, () => '既存の世帯に加わる人の住所は、その世帯の住所になります（住所は入力しません）。'],
  ['invalid_value', /is not a subject of 異動/, () => 'この人は、選んだ異動の対象者ではありません。'],
  ['invalid_value', /cannot itself be corrected or cancelled/,
    () => '誤記修正と取消しは、それ自体を訂正・取り消しできません。あらためて正しい届出を記録してください。'],
  ['invalid_value', /search by kana or by name, not both/, () => 'フリガナと氏名は、どちらか一方で検索してください。'],
  ['invalid_value', /jumin_code must be 11 digits/, () => '住民票コードは11桁の数字で入力してください。'],
  ['invalid_value', /atena must be digits/, () => '宛名番号は数字で入力してください。'],
  ['not_found', /has no resident record on (\S+)/, (l, m) => `${m[1]}の時点で、この人の住民の記録がありません。異動日を確認してください。`],
  ['not_found', /household (\S+) has no residents on (\S+)/, (l, m) => `世帯番号 ${m[1]} には、${m[2]}の時点で住民がいません。`],
  ['not_found', /there is no 異動/, () => 'その異動は見つかりません。'],
  ['conflict', /already cancelled/, () => 'この異動はすでに取り消されています。'],
  ['conflict', /it would make the later (\S+) of (\S+) \(event (\d+)\) impossible/,
    (l, m) => `この異動を記録すると、あとに記録されている${m[1]}（${m[2]}、異動番号${m[3]}）が成り立たなくなります。先にその異動を取り消してから記録してください。`],
  ['conflict', /^(\d+) was removed \((\S+), (\S+)\)/, (l, m) => `この人（宛名番号 ${m[1]}）は${m[3]}に消除されています。消除された記録には、転出確定と誤記修正のほかは記録できません。`],
  ['conflict', /is not possible: (?:the person already has a record)/, () => 'この人の記録はすでにあります。'],
  ['conflict', /is not possible: it applies to (日本人住民|外国人住民) only/, (l, m) => `この異動は${m[1]}だけに記録できます。`],
  ['conflict', /is not possible: the record is not removed by a 転出/, () => '転出確定は、転出で消除された記録にだけ記録できます。'],
  ['conflict', /is not possible: the person has no record on that date/, () => 'その日付には、この人の記録がありません。'],
  ['conflict', /is not possible: the record was removed/, () => 'その日付には、この人は消除されています。'],
  ['conflict', /is not possible/, () => '登録されている記録と矛盾するため、この異動は記録できません。'],
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
  'resident.search': '住民検索',
  'resident.read': '住民票の照会',
  'resident.history': '住民票の履歴の照会',
  'resident.idou': '異動の記録',
  'events.read': '異動情報の取得',
  'certificate.issue': '証明書の交付',
  'certificate.preview': '証明書のプレビュー（見本）',
  'certificate.history': '交付履歴の照会',
  'senkyo.meibo.read': '選挙人名簿の表示',
  'senkyo.meibo.export': '選挙人名簿の出力',
  'senkyo.summary.read': '選挙人名簿登録者数の表示',
  'senkyo.summary.export': '選挙人名簿登録者数の出力',
  'senkyo.districts.write': '投票区の設定',
  'senkyo.shikken.read': '失権の記録の表示',
  'senkyo.shikken.write': '失権の記録',
  'addressee.search': '宛名検索',
  'addressee.read': '宛名の照会',
  'addressee.history': '宛名の履歴の照会',
  'addressee.create': '宛名の登録',
  'addressee.change': '宛名の変更',
  'addressee.merge': '宛名の統合',
  'addressee.unmerge': '宛名の統合の取消し',
  'suppression.list': '支援措置の一覧',
  'suppression.read': '支援措置の照会',
  'suppression.propose': '支援措置の申出・延長・解除の申請',
  'suppression.approve': '支援措置の承認',
  'suppression.reject': '支援措置の却下',
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
