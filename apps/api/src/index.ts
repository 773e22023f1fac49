export * from './app.js';
export * from './server.js';
export { IMAGE_CSP } from './routes/serve.route.js';
