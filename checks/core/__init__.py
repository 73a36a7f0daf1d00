"""What both guards share below them: the rule model, the rules page renderer and the front end
(source files, module names, imports, syntax errors). Imports neither ``checks.lint`` nor
``checks.wiring``: they import it."""
