// Imported by lab.config.ts of the edit goldens: a constant the engine must refuse to edit.
export const BASE_CONFIG = { "security.nesting": "true" };
