// How the client and the apps built on it say a duration to a person: the idle lock's timeout, a Retry-After.

/** "10 minutes", "1 minute", "45 seconds": whole minutes when the duration is one, so nothing reads "0 minutes". */
export function describeDuration(totalSeconds: number): string {
  if (totalSeconds >= 60 && totalSeconds % 60 === 0) {
    const minutes = totalSeconds / 60;
    return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  }
  return totalSeconds === 1 ? '1 second' : `${totalSeconds} seconds`;
}
