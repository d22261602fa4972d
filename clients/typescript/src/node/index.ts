// @symbolon/client/node: what only Node needs, beside the main entry (which stays free of Node APIs).
export { FileStore, writeAtomically } from './file-store.js';
