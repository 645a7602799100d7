# labgen as a Nix package, built in the sandbox from package-lock.json (no network).
#
# Dependencies come from importNpmLock, which turns each `resolved` + `integrity` entry of
# package-lock.json into a fetchurl. nixpkgs manual, doc/languages-frameworks/javascript.section.md,
# "importNpmLock": "There is no need to specify a hash, since it relies entirely on the integrity
# hashes already present in the package-lock.json file" -- so there is no npmDepsHash to keep
# in sync by hand. The same section: "npmHooks.npmConfigHook cannot be used with importNpmLock.
# Use importNpmLock.npmConfigHook instead", and its example is exactly
#   npmDeps = importNpmLock { npmRoot = ./.; }; npmConfigHook = importNpmLock.npmConfigHook;
# The one difference: the lock is passed through ./npm-lock-resolved.nix, because this
# repository's package-lock.json has no `resolved` URLs (see that file).
{
  lib,
  buildNpmPackage,
  importNpmLock,
  makeWrapper,
  nodejs,
  src,
}:
let
  packageJson = lib.importJSON "${src}/package.json";
  name = packageJson.name;
in
buildNpmPackage {
  pname = name;
  inherit (packageJson) version;
  inherit src nodejs;

  npmDeps = importNpmLock {
    npmRoot = src;
    packageLock = import ./npm-lock-resolved.nix (lib.importJSON "${src}/package-lock.json");
  };
  npmConfigHook = importNpmLock.npmConfigHook;

  nativeBuildInputs = [ makeWrapper ];

  # buildPhase is buildNpmPackage's default, `npm run build` (npmBuildScript defaults to
  # "build"): scripts/build.mjs bundles the CLI with esbuild into dist/, which bin/labgen.cjs
  # loads.

  # Own installPhase instead of the default npmInstallHook: that hook copies the file list of
  # `npm pack --dry-run`, and with no `files` field in package.json npm falls back to
  # .gitignore, which lists dist/ -- the compiled CLI would be left out. So: drop the dev
  # dependencies (the same `npm prune --omit=dev --no-save` the default hook runs) and copy the
  # built tree minus what only development needs, to the path the default hook would use.
  # That path matters: importNpmLock's post-install hook puts the original package.json and
  # package-lock.json back at $out/lib/node_modules/<name> (its copies point into the store).
  installPhase = ''
    runHook preInstall

    npm prune --omit=dev --no-save

    packageOut="$out/lib/node_modules/${name}"
    mkdir -p "$packageOut"
    for entry in *; do
      case "$entry" in
        test | bench | docs) ;;
        *) cp -r "$entry" "$packageOut/" ;;
      esac
    done

    makeWrapper ${lib.getExe nodejs} "$out/bin/labgen" \
      --add-flags "$packageOut/${packageJson.bin.labgen}"

    runHook postInstall
  '';

  meta = {
    inherit (packageJson) description;
    license = lib.licenses.mit;
    mainProgram = "labgen";
  };
}
