# The repository as build input, minus what is derived or machine-local.
#
# In a git checkout the flake only sees tracked files; these filters additionally keep
# node_modules/ and dist/ out when the flake is used as a plain path (path:.), because the
# builds install and compile those themselves from package-lock.json.
{ lib, root }:
let
  derived = [
    "node_modules"
    "dist"
  ];
  topLevelName = path: builtins.head (lib.splitString "/" (lib.removePrefix "${toString root}/" (toString path)));
  tree =
    name: excluded:
    lib.cleanSourceWith {
      inherit name;
      # lib.cleanSource already drops .git, editor backups and `result*` links.
      src = lib.cleanSource root;
      filter = path: _type: !(builtins.elem (topLevelName path) (derived ++ excluded));
    };
  userFiles = import ./user-files.nix;
in
{
  # What the checks read: sources, lock files, lab.config.ts, lab.lock.json and out/.
  repo = tree "labgen-repo" [ ];

  # What `npm run build` needs. The user's lab, docs and the flake's own files stay out so that
  # regenerating the lab or editing the flake does not rebuild the package.
  package = tree "labgen-src" (
    userFiles
    ++ [
      "docs"
      "nix"
      "flake.nix"
      "flake.lock"
    ]
  );

  # `nix flake init -t`: the tool without this repository's own lab; `labgen init` writes the
  # starter lab.config.ts into it.
  template = tree "labgen-template" userFiles;

  # For the tests: whether a path (as a string relative to the root) is the user's.
  isUserFile = path: builtins.elem (builtins.head (lib.splitString "/" path)) userFiles;
}
