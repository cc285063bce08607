/** Unix seconds, the unit of every time in the API. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
