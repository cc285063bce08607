/**
 * Kubernetes resource quantities ("4", "3500m", "16Gi", "16384Ki", "1e9", "1.5G")
 * to plain numbers. client-node's `quantityToScalar` is not part of its public
 * index, throws on fractional binary quantities ("1.5Gi") and returns
 * number | bigint, so the grammar of k8s.io/apimachinery's Quantity is parsed here.
 */
const QUANTITY_RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E)?)$/;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The value of a quantity, or null when the text is not one. */
export function parseQuantity(text: string | undefined | null): number | null {
  if (text === undefined || text === null) return null;
  const m = QUANTITY_RE.exec(text.trim());
  if (!m) return null;
  const [, number, binary, exponent, decimal] = m;
  const base = Number(number);
  if (binary) return base * BINARY[binary];
  if (exponent !== undefined) return base * 10 ** Number(exponent);
  if (decimal) return base * DECIMAL[decimal];
  return base;
}
