export * from './smtp.mail-transport.js';
export * from './eml-file.mail-transport.js';
export * from './http.webhook-sender.js';
export * from './fetch.telegram-bot-api.js';
