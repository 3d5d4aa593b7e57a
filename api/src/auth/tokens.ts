/** Random bearer secrets (session ids, API keys) and the hashes they are stored under. */
import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe. */
export const randomToken = (prefix = '') => `${prefix}${randomBytes(32).toString('base64url')}`;

/** Stored instead of the secret itself: a leaked database hands out no sessions or keys. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
