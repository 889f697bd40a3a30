// The baseline of the submission benchmark: a bare Express app that parses the same JSON body and
// answers 201 with an id, with no validation, no database and no middleware of ours.

import { randomUUID } from 'node:crypto';
import express from 'express';

const app = express();
app.post('/v1/f/:formId', express.json(), (_req, res) => {
  res.status(201).json({ id: randomUUID() });
});
const port = Number(process.env['PORT'] ?? 0);
const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
