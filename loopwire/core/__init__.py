"""What both guards share below them: the rule model, the rules page renderer and the front end
(source files, module names, imports, syntax errors). Imports neither ``loopwire.lint`` nor
``loopwire.wiring``: they import it."""
