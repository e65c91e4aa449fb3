const { TestEnvironment } = require('jest-environment-node');

/**
 * Jest's node environment runs each test file in a context of its own, with its own typed-array
 * classes. onnxruntime-node's native binding returns arrays of Node's own realm and onnxruntime
 * checks them with `instanceof` against the context's classes, so every inference fails with "A
 * float32 tensor's data must be type of function Float32Array()". Test files that run an ONNX model
 * use this environment (`@jest-environment ./test/support/native-arrays-environment.js`), which
 * gives the context Node's classes; nothing else changes.
 */
class NativeArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    const shared = [
      'ArrayBuffer',
      'Int8Array',
      'Uint8Array',
      'Uint8ClampedArray',
      'Int16Array',
      'Uint16Array',
      'Int32Array',
      'Uint32Array',
      'Float32Array',
      'Float64Array',
      'BigInt64Array',
      'BigUint64Array',
    ];
    for (const name of shared) this.global[name] = globalThis[name];
  }
}

module.exports = NativeArraysEnvironment;
