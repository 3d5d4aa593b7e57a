import { ApiError } from '../../api/client.ts';

/** The sentence for a failed change; the API's own code and message are shown under it. */
export function actionErrorKey(err: unknown): string {
  if (!(err instanceof ApiError)) return 'people.error.failed';
  if (err.status === 0) return 'state.network';
  switch (err.code) {
    case 'CANOPY_USER_EXISTS':
      return 'people.error.exists';
    case 'CANOPY_BAD_MEMBER':
      return 'people.error.member';
  }
  if (err.status === 400) return 'people.error.invalid';
  if (err.status === 403) return 'people.error.forbidden';
  if (err.status === 404) return 'people.error.gone';
  return 'people.error.failed';
}
