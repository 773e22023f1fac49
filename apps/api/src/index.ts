export * from './app.js';
export * from './server.js';
export { IMAGE_CSP } from './routes/serve.route.js';
export { uploadParser, type ParsedUpload } from './http/upload-parser.js';
export type { UploadLimits } from './http/error-handler.js';
export { clientAddress, trustProxies } from './http/client-address.js';
export { descriptorHeadroom, descriptorUsage, objectsWritable, READINESS_MARKER_KEY } from './http/readiness.js';
export { ClientLocator, SHIPPED_GEOIP_DATABASE, storageSite } from './links/client-locator.js';
export { NearestLinks, registerLinkMetrics, type LinkSite, type SignedLink } from './links/nearest-links.js';
