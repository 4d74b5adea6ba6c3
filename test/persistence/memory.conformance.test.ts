import { MemoryAdapter } from '../../src/persistence/memory-adapter.js';
import { runAdapterConformance } from '../../src/testing/index.js';

runAdapterConformance('MemoryAdapter', () => new MemoryAdapter());
