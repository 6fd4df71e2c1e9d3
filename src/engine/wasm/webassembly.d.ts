// The part of the WebAssembly JS API the kernels' loader and pool use. TypeScript declares it only in lib.dom,
// which this Node-only project does not load, and @types/node 20 does not declare it either.
declare global {
  namespace WebAssembly {
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    class Memory {
      constructor(descriptor: MemoryDescriptor);
      readonly buffer: ArrayBuffer | SharedArrayBuffer;
      grow(delta: number): number;
    }
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Global {
      readonly value: number;
    }
    type Exports = Record<string, unknown>;
    type Imports = Record<string, Record<string, unknown>>;
    class Instance {
      constructor(module: Module, imports?: Imports);
      readonly exports: Exports;
    }
    function validate(bytes: Uint8Array): boolean;
  }
}

export {};
