# The files of this repository that are the user's lab, not the tool (README "Yours vs the
# tool"): a newer labgen never brings changes to these. The same list is in .gitattributes
# (merge=ours) and scripts/pull-labgen; test/template.test.ts checks that all three agree.
# Paths relative to the repository root; a directory covers everything below it.
[
  "lab.config.ts"
  "lab.lock.json"
  "out"
  "hosts"
  "ca"
]
