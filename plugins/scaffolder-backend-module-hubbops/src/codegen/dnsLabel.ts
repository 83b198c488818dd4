import { z as zod } from 'zod/v3';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `value` is an RFC 1123 DNS label, as Kubernetes names require. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

/** A zod string that must be a DNS label, with a message saying how to fix it. */
export function dnsLabel(z: typeof zod, input: string, description: string) {
  return z.string({ description }).superRefine((value, ctx) => {
    if (!isDnsLabel(value)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${input} '${value}' must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
      });
    }
  });
}
