#!/usr/bin/env node
// The api's multipart parser alone: the same middleware (busboy in memory, the same limits) in
// an HTTP server that stores nothing and answers 201. PORT from the environment.
import express from 'express';
import { uploadParser } from '@pictor/api';
import { loadConfig } from '@pictor/config';

const config = loadConfig({});
const limits = {
  maxUploadBytes: config.limits.maxUploadBytes,
  maxFilesPerUpload: config.limits.maxFilesPerUpload,
  maxParts: config.limits.maxFilesPerUpload + 8,
};
const app = express();
app.post('/api/v1/images', uploadParser(limits), (req, res) => {
  const files = req.upload?.files ?? [];
  res.status(201).json({ files: files.length, bytes: files.reduce((n, f) => n + f.length, 0) });
});
app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(400).json({ error: String(error) });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
