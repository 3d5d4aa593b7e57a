/**
 * Security headers (helmet, with a CSP the dashboard runs under) and a per-IP request budget
 * over the whole app. Login has its own, stricter brake (auth/loginThrottle.ts).
 */
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.ts';

const security: FastifyPluginAsync<{ rateLimitPerMin: number; https: boolean }> = async (app, options) => {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Recharts and React set style attributes; nothing executes from them.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        // 'self' covers the same-origin WebSocket of the live socket.
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // Over plain HTTP (a farm's LAN) HSTS would only confuse; a TLS proxy sets COOKIE_SECURE.
    strictTransportSecurity: options.https,
  });
  await app.register(rateLimit, {
    max: options.rateLimitPerMin,
    timeWindow: 60_000,
    errorResponseBuilder: (_req, context) =>
      Object.assign(new ApiError(429, 'CANOPY_RATE_LIMITED', `too many requests; retry in ${Math.ceil(context.ttl / 1_000)} s`), {
        statusCode: 429,
      }),
  });
};

export const securityPlugin = fp(security, { name: 'canopy-security' });
