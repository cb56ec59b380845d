#!/usr/bin/env node
// `npm run build:cmake [-- extra cmake-js args]`: builds the addon with cmake-js from
// CMakeLists.txt into build-cmake/ (node-gyp's build/ is left alone), offline: cmake-js is pointed
// at the running Node's local headers (it would otherwise download them). Pass e.g.
// `-- --CDCOVLASSO_CUDA=OFF`, or `-- -O /tmp/out` for another output directory.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { localNodeDir } = require('./local-node-headers');

const root = path.resolve(__dirname, '..');
const env = { ...process.env };
const nodedir = localNodeDir();
// cmake-js reads npm_config_nodedir as its runtime directory (headers in <dir>/include/node).
if (nodedir) env.npm_config_nodedir = nodedir;
else console.warn('covlasso: no local Node headers found; cmake-js will try to download them');

const cli = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
const extra = process.argv.slice(2);
const hasOut = extra.some((a) => a === '-O' || a === '--out' || a.startsWith('--out=') || a.startsWith('-O='));
const args = [cli, 'compile', '--directory', root, ...(hasOut ? [] : ['--out', path.join(root, 'build-cmake')]), ...extra];
const result = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
