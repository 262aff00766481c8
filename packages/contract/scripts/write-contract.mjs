// Writes contract.json from the compiled tables (run by `build`; the test checks the committed copy is current).
import { writeFileSync } from 'node:fs';
import { CONTRACT_FILE, contractText } from '../dist/index.js';

writeFileSync(CONTRACT_FILE, contractText());
