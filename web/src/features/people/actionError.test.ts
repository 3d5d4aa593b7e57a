import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client.ts';
import { actionErrorKey } from './actionError.ts';

describe('action error wording', () => {
  it('words the API’s codes, then its statuses', () => {
    expect(actionErrorKey(new ApiError(409, 'CANOPY_USER_EXISTS', 'a user with this email or phone exists'))).toBe('people.error.exists');
    expect(actionErrorKey(new ApiError(400, 'CANOPY_BAD_MEMBER', 'only farmers are members of farms'))).toBe('people.error.member');
    expect(actionErrorKey(new ApiError(400, 'FST_ERR_VALIDATION', 'body/email must match format "email"'))).toBe('people.error.invalid');
    expect(actionErrorKey(new ApiError(403, 'CANOPY_FORBIDDEN', 'only an admin grants admin'))).toBe('people.error.forbidden');
    expect(actionErrorKey(new ApiError(404, 'CANOPY_NOT_FOUND', 'membership not found'))).toBe('people.error.gone');
    expect(actionErrorKey(new ApiError(0, 'NETWORK', 'Failed to fetch'))).toBe('state.network');
    expect(actionErrorKey(new ApiError(500, 'HTTP_500', 'Internal Server Error'))).toBe('people.error.failed');
    expect(actionErrorKey(new Error('boom'))).toBe('people.error.failed');
  });
});
