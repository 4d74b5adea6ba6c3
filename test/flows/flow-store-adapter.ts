// The memory adapter keeps flow versions itself now (saveFlowVersions / findFlowVersions); this
// name stays for the tests that use it.
import { MemoryAdapter } from '../../src/index.js';

export class FlowMemoryAdapter extends MemoryAdapter {}
