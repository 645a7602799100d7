#!/usr/bin/env node
// The CLI's entry is bin/labgen.cjs (package.json "bin"); this file stays for paths written
// before it, and runs the same code.
import "./labgen.cjs";
