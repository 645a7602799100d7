# package-lock.json with a `resolved` URL on every registry package, for importNpmLock.
#
# importNpmLock fetches a lock entry only when it has `resolved` (fetchModule in
# pkgs/build-support/node/import-npm-lock/default.nix: `if module ? "resolved" && ...`, else
# null), with fetchurl checked against the entry's `integrity`. This repository's lock has no
# `resolved` fields: npm leaves them out when `omit-lockfile-registry-resolved` is set (as in the
# team's npmrc), meaning "whatever registry the user configured". Without a URL npm would need
# the registry during the build. So each such entry gets the npm registry's tarball address,
# https://registry.npmjs.org/<name>/-/<name without scope>-<version>.tgz; the integrity hash
# still pins the exact bytes.
#
# Builtins only, so test/flake.test.ts can evaluate it on the real lock without nixpkgs.
packageLock:
let
  # The package name is the path after the last node_modules/ ("node_modules/a/node_modules/@s/b"
  # is "@s/b"), unless the entry names another package (an npm alias: `"name": "<real name>"`).
  packageName =
    path: module:
    if module ? name then
      module.name
    else
      builtins.head (builtins.match ".*node_modules/((@[^/]+/)?[^/]+)" path);
  # "@scope/pkg" -> "pkg"
  unscoped = name: builtins.elemAt (builtins.match "(@[^/]+/)?([^/]+)" name) 1;
  tarball =
    path: module:
    let
      name = packageName path module;
    in
    "https://registry.npmjs.org/${name}/-/${unscoped name}-${module.version}.tgz";
  withResolved =
    path: module:
    # The root project (""), links to local folders and bundled packages are not fetched.
    if path == "" || module ? resolved || (module.link or false) || (module.inBundle or false) then
      module
    else
      module // { resolved = tarball path module; };
in
packageLock
// {
  packages = builtins.mapAttrs withResolved packageLock.packages;
}
