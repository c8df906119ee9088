'use strict';
// require('fleet-ssh'). The package is an ES module; Node 20.19+ and 22.12+ can require() an ES module
// (process.features.require_module), so there it simply works. On a Node that cannot, the error says what to
// do instead of Node's ERR_PACKAGE_PATH_NOT_EXPORTED, which names neither the cause nor the fix.
if (process.features && process.features.require_module) {
  module.exports = require('../dist/lib/fleet.js');
} else {
  const err = new Error(
    "fleet-ssh is an ES module and this Node cannot require() one: use `import { Fleet } from 'fleet-ssh'`, " +
      "or from CommonJS `const { Fleet } = await import('fleet-ssh')` (or run Node 20.19+ / 22.12+, which can require it)",
  );
  err.code = 'ERR_REQUIRE_ESM';
  throw err;
}
