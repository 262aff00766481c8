// Writes openapi.json from the compiled tables (run by `build`; the test checks the committed copy is current).
import { writeFileSync } from 'node:fs';
import { OPENAPI_FILE, openApiText } from '../dist/index.js';

writeFileSync(OPENAPI_FILE, openApiText());
