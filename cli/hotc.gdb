# gdb commands for a process that hotc patches. `hotc gdb PID` starts gdb
# with this file; or load it yourself: gdb -x PREFIX/share/hotc/hotc.gdb.
#
# hotc's agent stops every thread of the process for a few microseconds
# while it re-points function entries, by sending each the signal
# SIGRTMAX-3 (gdb calls it SIG61). Without this line gdb would stop the
# program and print at every patch. The signal still reaches the agent.
handle SIG61 nostop noprint pass

# Patched code is linked under the name of the function it replaces with
# the patch version as a clone suffix: `f(int) [clone .hotc3]` is version 3
# of f. gdb registers each patch through its JIT interface, so `bt`, `list`,
# `info line` and breakpoints by file:line or function name reach the new
# code; `hotc-version` says which code the selected frame runs.
define hotc-version
  info symbol $pc
end
document hotc-version
Print the symbol of the code the selected frame runs: a name ending in
"[clone .hotcN]" is patch version N of that function; any other name is the
code the program was built with.
end

# gdb keeps the text of each source file it has shown; after an edit, `list`
# would show the old text beside the new code's lines. Each patch arrives
# as a JIT object ("<in-memory@ADDR>"): forget the kept texts then (setting
# the source path again does that). Needs gdb with Python, as Debian's is.
python
def _hotc_forget_sources(event):
    name = event.new_objfile.filename or ""
    if name.startswith("<in-memory@"):
        gdb.execute("set directories " + gdb.parameter("directories"),
                    to_string=True)
gdb.events.new_objfile.connect(_hotc_forget_sources)
end
