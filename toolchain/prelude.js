// The js-pdk globals (Host, Memory, MemoryHandle, Config, Var, console), built on the
// core's C primitives in `__ext`. Evaluated once at build time, before the plugin bundle,
// and frozen into the Wizer snapshot. Strings only: the plugin speaks JSON, and QuickJS
// 2021 has no TextEncoder, so the core converts UTF-8 in C.
(function () {
  'use strict';
  var ext = globalThis.__ext;

  // ES2022+ library methods that QuickJS 2021 lacks and npm packages use (valibot uses
  // Object.hasOwn). esbuild lowers syntax to es2020 but does not polyfill.
  function define(obj, name, fn) {
    if (!obj[name]) Object.defineProperty(obj, name, { value: fn, writable: true, configurable: true });
  }
  define(Object, 'hasOwn', function (o, k) { return Object.prototype.hasOwnProperty.call(Object(o), k); });
  var at = function (i) {
    var n = this.length, k = Math.trunc(i) || 0;
    if (k < 0) k += n;
    return k < 0 || k >= n ? undefined : this[k];
  };
  define(Array.prototype, 'at', at);
  define(String.prototype, 'at', at);
  define(Array.prototype, 'findLast', function (f, t) {
    for (var i = this.length - 1; i >= 0; i--) if (f.call(t, this[i], i, this)) return this[i];
    return undefined;
  });
  define(Array.prototype, 'findLastIndex', function (f, t) {
    for (var i = this.length - 1; i >= 0; i--) if (f.call(t, this[i], i, this)) return i;
    return -1;
  });

  var unsupported = function (what) {
    return function () { throw new Error(what + ' is not supported by this core (strings only)'); };
  };

  function MemoryHandle(offset, len) {
    this.offset = offset;
    this.len = len;
  }
  MemoryHandle.prototype.readString = function () { return ext.readString(this.offset); };
  MemoryHandle.prototype.readJsonObject = function () { return JSON.parse(this.readString()); };
  MemoryHandle.prototype.free = function () { ext.free(this.offset); };
  MemoryHandle.prototype.readBytes = unsupported('MemoryHandle.readBytes');
  MemoryHandle.prototype.readUInt32 = unsupported('MemoryHandle.readUInt32');
  MemoryHandle.prototype.readUInt64 = unsupported('MemoryHandle.readUInt64');
  MemoryHandle.prototype.readFloat32 = unsupported('MemoryHandle.readFloat32');
  MemoryHandle.prototype.readUFloat64 = unsupported('MemoryHandle.readUFloat64');
  globalThis.MemoryHandle = MemoryHandle;

  globalThis.Memory = {
    fromString: function (s) {
      var r = ext.storeString(String(s));
      return new MemoryHandle(r[0], r[1]);
    },
    fromJsonObject: function (o) { return this.fromString(JSON.stringify(o)); },
    find: function (offset) { return new MemoryHandle(offset, ext.length(offset)); },
    fromBuffer: unsupported('Memory.fromBuffer'),
    allocUInt32: unsupported('Memory.allocUInt32'),
    allocUInt64: unsupported('Memory.allocUInt64'),
    allocFloat32: unsupported('Memory.allocFloat32'),
    allocFloat64: unsupported('Memory.allocFloat64'),
    _free: function (offset) { ext.free(offset); },
  };

  var hostFunctions = globalThis.__hostFunctionNames || [];
  globalThis.Host = {
    __hostFunctions: hostFunctions.map(function (name) { return { name: name, results: 1 }; }),
    inputString: function () { return ext.inputString(); },
    outputString: function (s) { return ext.outputString(String(s)); },
    inputBytes: unsupported('Host.inputBytes'),
    outputBytes: unsupported('Host.outputBytes'),
    invokeFunc: function (id, arg) { return ext.hostCall(id, arg); },
    invokeFunc0: function (id, arg) { ext.hostCall(id, arg); },
    // Only the host functions the manifest grants are linked; the others are absent.
    getFunctions: function () {
      var fns = {};
      hostFunctions.forEach(function (name, id) {
        fns[name] = function (offset) { return ext.hostCall(id, offset); };
      });
      return fns;
    },
  };

  // Not part of js-pdk: a lazily loaded part of the bundle as QuickJS bytecode. `compile`
  // runs at build time (inside the Wizer snapshot), `run` on first use: no parsing then.
  globalThis.Bytecode = {
    compile: function (source) { return ext.compileBytecode(String(source)); },
    run: function (bytecode) { return ext.evalBytecode(bytecode); },
  };

  // Not part of js-pdk: cryptographic randomness for OAuth state and PKCE.
  globalThis.Crypto = { randomHex: function (bytes) { return ext.randomHex(bytes); } };

  globalThis.Config = { get: function (key) { return ext.configGet(String(key)); } };
  globalThis.Var = {
    set: function (name, value) { ext.varSet(String(name), value == null ? null : String(value)); },
    getString: function (name) { return ext.varGet(String(name)); },
    getBytes: unsupported('Var.getBytes'),
  };

  function format(args) {
    var out = [];
    for (var i = 0; i < args.length; i++) {
      var a = args[i];
      if (typeof a === 'string') out.push(a);
      else if (a instanceof Error) out.push(a.name + ': ' + a.message);
      else {
        try { out.push(JSON.stringify(a)); } catch (e) { out.push(String(a)); }
      }
    }
    return out.join(' ');
  }
  var log = function (level) { return function () { ext.log(level, format(arguments)); }; };
  globalThis.console = { debug: log(0), log: log(1), info: log(1), warn: log(2), error: log(3) };

  // Called by the core's __invoke(index). A returned promise is driven to completion
  // here: hooks must finish inside the call, there is no event loop afterwards.
  globalThis.__invokeExport = function (index) {
    var fn = globalThis.__invokeTable[index];
    var result = fn();
    if (result && typeof result.then === 'function') {
      var state = { done: false, failed: false, value: undefined };
      result.then(
        function (v) { state.done = true; state.value = v; },
        function (e) { state.done = true; state.failed = true; state.value = e; }
      );
      ext.runJobs();
      if (!state.done) throw new Error('the export returned a promise that never settled');
      if (state.failed) throw state.value;
      result = state.value;
    }
    return typeof result === 'number' ? result : 0;
  };
})();
