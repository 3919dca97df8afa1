// libedit (BSD editline) for the REPL. `el_set` and `history` are C variadic functions, which
// Swift cannot call, so these static inline wrappers give each use a fixed signature.
#ifndef COREG_CEDITLINE_SHIM_H
#define COREG_CEDITLINE_SHIM_H
#include <stdio.h>
#include <wchar.h>
#include <histedit.h>

typedef char *(*coreg_el_prompt_fn)(EditLine *);
typedef unsigned char (*coreg_el_command_fn)(EditLine *, int);
typedef int (*coreg_el_getc_fn)(EditLine *, wchar_t *);

static inline int coreg_el_set_prompt(EditLine *el, coreg_el_prompt_fn fn, char invisible) {
    return el_set(el, EL_PROMPT_ESC, fn, invisible);
}
static inline int coreg_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int coreg_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
/* Puts the terminal in (on) or out of (off) the editor's raw mode now, rather than at the first read. */
static inline int coreg_el_prep_term(EditLine *el, int on) { return el_set(el, EL_PREP_TERM, on); }
static inline int coreg_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int coreg_el_set_getc(EditLine *el, coreg_el_getc_fn fn) { return el_set(el, EL_GETCFN, fn); }
static inline int coreg_el_add_function(EditLine *el, const char *name, const char *help, coreg_el_command_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
static inline int coreg_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, NULL);
}

static inline int coreg_history_setsize(History *h, int n) { HistEvent ev; return history(h, &ev, H_SETSIZE, n); }
static inline int coreg_history_setunique(History *h, int on) { HistEvent ev; return history(h, &ev, H_SETUNIQUE, on); }
static inline int coreg_history_enter(History *h, const char *line) { HistEvent ev; return history(h, &ev, H_ENTER, line); }
static inline int coreg_history_load(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_LOAD, path); }
static inline int coreg_history_save(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_SAVE, path); }
#endif
