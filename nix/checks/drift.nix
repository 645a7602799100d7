# Drift: out/ must be exactly what `labgen generate` makes from lab.config.ts + lab.lock.json.
# `labgen diff` prints what generate would change and exits 4 on drift (1 on an invalid config;
# README "Exit codes"), either of which fails this build. It runs on a writable copy because the
# store copy of the repository is read-only and the config loader may cache next to the files it
# loads.
{
  runCommand,
  labgen,
  src,
}:
runCommand "labgen-drift" { nativeBuildInputs = [ labgen ]; } ''
  cp -r ${src} repo
  chmod -R u+w repo
  cd repo
  export HOME="$TMPDIR"
  labgen diff
  touch "$out"
''
