/**
 * Exit codes of `gik`, on the command line and in a Job pod: the Job's pod failure policy fails an
 * index at once on `BAD_INPUT` (retrying the same input cannot help) and retries on `FAILED`.
 *
 * @module
 */
export const EXIT = { OK: 0, FAILED: 1, BAD_INPUT: 2 } as const;
