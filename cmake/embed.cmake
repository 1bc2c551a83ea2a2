# Turns a file into a C source defining `const char *const NAME` (NUL-terminated)
# and `const size_t NAME_len`. Run as: cmake -DIN=… -DOUT=… -DNAME=… -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "/* Generated from ${IN} by cmake/embed.cmake. Do not edit. */\n#include <stddef.h>\nstatic const unsigned char bytes[] = {\n${bytes}0x00};\nconst char *const ${NAME} = (const char *)bytes;\nconst size_t ${NAME}_len = ${len};\n")
