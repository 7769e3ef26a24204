'use strict';
// Preloaded (node --require) into child processes of the engine rig that we cannot change, such as Azurite: the rig
// keeps their stdin open, so end-of-file there means the test process is gone and nobody else will stop them.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
// Watching stdin must not keep the process alive once it wants to exit (as on SIGTERM).
process.stdin.unref();
