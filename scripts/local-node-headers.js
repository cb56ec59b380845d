'use strict';
// Where the running Node's own C headers are (include/node/node_api.h), so that native builds
// (prebuildify -> node-gyp, cmake-js) compile against them offline instead of downloading a
// header tarball. Order: an explicit npm config `nodedir` (npm passes it to scripts as
// npm_config_nodedir), then the prefix of the running node binary (official tarballs, nvm,
// Debian's /usr). Returns null when neither has the headers (the tools then download as usual).
const fs = require('node:fs');
const path = require('node:path');

function hasHeaders(dir) {
  return !!dir && fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'));
}

function localNodeDir() {
  const fromConfig = process.env.npm_config_nodedir;
  if (hasHeaders(fromConfig)) return path.resolve(fromConfig);
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (hasHeaders(prefix)) return prefix;
  return null;
}

module.exports = { localNodeDir };

if (require.main === module) {
  const dir = localNodeDir();
  if (!dir) process.exit(1);
  process.stdout.write(dir + '\n');
}
