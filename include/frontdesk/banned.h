/*
 * banned.h — C library functions frontdesk does not call (git's banned.h).
 *
 * Each is redefined as a function-like macro that expands to an undeclared
 * name, so a call fails the build with the reason in the name:
 *     error: 'sorry_strcpy_is_a_banned_function' undeclared
 * Only calls are caught: a function-like macro leaves a bare mention (a
 * word in a comment, a member called `gets`) alone.
 *
 * A macro defined before a header declares the function would rewrite the
 * declaration, so git includes its banned.h last. Here it is included at the
 * end of frontdesk/core.h, which every module header includes, and it first
 * reads the system headers that declare these functions: their include
 * guards make a later #include of them a no-op, so a .c file may still list
 * <string.h> after its project headers. tests/lint checks that the macros
 * are in force at the end of every .c file under src/.
 *
 * Why each is banned, and what to use:
 *   strcpy strcat            no bound on the destination; use snprintf or
 *                            a struct buf.
 *   strncpy                  leaves the result unterminated when the source
 *                            fills it, and pads with NULs; use snprintf.
 *   strncat                  its bound is what is left, not the size, a
 *                            classic off-by-one; use snprintf or a buf.
 *   sprintf vsprintf         no bound; use snprintf, vsnprintf or buf_printf.
 *   gets                     no bound at all (removed from C11); use fgets.
 *   atoi atol atoll atof     no way to tell "0" from garbage or overflow;
 *                            use strtol/strtoll/strtod and check end and errno.
 *   strtok strtok_r          write into the string they scan (strtok also
 *                            keeps hidden state across calls and threads);
 *                            scan with strchr/strcspn.
 *   gmtime localtime         return a shared static struct (the server runs
 *   ctime asctime            threads); use gmtime_r/localtime_r and strftime.
 *   ctime_r asctime_r        write into a buffer of unstated size; strftime.
 *   tmpnam tempnam mktemp    the name can be taken before it is opened; use
 *                            mkstemp or mkdtemp.
 */
#ifndef FRONTDESK_BANNED_H
#define FRONTDESK_BANNED_H

/* Every declaration the macros below would rewrite, read first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)

#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)

#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)
#undef atof
#define atof(x) BANNED(atof)

#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef strtok_r
#define strtok_r(x, y, z) BANNED(strtok_r)

#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef ctime_r
#define ctime_r(t, b) BANNED(ctime_r)
#undef asctime_r
#define asctime_r(t, b) BANNED(asctime_r)

#undef tmpnam
#define tmpnam(s) BANNED(tmpnam)
#undef tempnam
#define tempnam(d, p) BANNED(tempnam)
#undef mktemp
#define mktemp(t) BANNED(mktemp)

#endif
