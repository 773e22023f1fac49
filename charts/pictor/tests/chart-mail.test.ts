import { beforeAll, describe, expect, it } from '@jest/globals';
import { find, podsOf, render, type K8sObject } from '@pictor/test-harness/chart';

/** Accounts' email: SMTP_URL from an existing Secret, on the api only; PUBLIC_URL https behind TLS. */
let plain: K8sObject[];
let withMail: K8sObject[];

beforeAll(async () => {
  plain = await render();
  withMail = await render({
    set: {
      'mail.existingSecret': 'pictor-smtp',
      'mail.urlKey': 'url',
      'networkPolicy.enabled': true,
      'config.MAIL_FROM': 'Pictures <pictures@example.org>',
      'ingress.enabled': true,
      'ingress.tls[0].secretName': 'pictures-tls',
      'ingress.tls[0].hosts[0]': 'pictor.localhost',
    },
  });
}, 120_000);

const envOf = (objects: K8sObject[], name: string) =>
  podsOf([find(objects, 'Deployment', name)])[0]!.pod.containers[0]!.env ?? [];

describe('mail', () => {
  it('when no SMTP Secret is given, then no pod gets SMTP_URL', () => {
    for (const { pod } of podsOf(plain)) {
      for (const container of pod.containers)
        expect((container.env ?? []).map((e) => e.name)).not.toContain('SMTP_URL');
    }
  });

  it('when an SMTP Secret is given, then the api reads SMTP_URL from it and the other workloads do not get it', () => {
    expect(envOf(withMail, 'pictor-api').find((e) => e.name === 'SMTP_URL')).toEqual({
      name: 'SMTP_URL',
      valueFrom: { secretKeyRef: { name: 'pictor-smtp', key: 'url' } },
    });
    expect(envOf(withMail, 'pictor-worker').map((e) => e.name)).not.toContain('SMTP_URL');
    // The notifier sends the notifications' email.
    expect(envOf(withMail, 'pictor-notifier').find((e) => e.name === 'SMTP_URL')).toEqual({
      name: 'SMTP_URL',
      valueFrom: { secretKeyRef: { name: 'pictor-smtp', key: 'url' } },
    });
    const config = find(withMail, 'ConfigMap', 'pictor-config').data ?? {};
    expect(config.MAIL_FROM).toBe('Pictures <pictures@example.org>');
  });

  it('when NetworkPolicies are on and mail is configured, then the api may reach SMTP ports and the worker may not', () => {
    const policies = withMail.filter((o) => o.kind === 'NetworkPolicy');
    const ports = (name: string) =>
      JSON.stringify((policies.find((p) => p.metadata.name === name) as { spec?: unknown } | undefined)?.spec ?? {});
    expect(ports('pictor-api')).toContain('"port":587');
    expect(ports('pictor-processes')).not.toContain('"port":587');
  });

  it('when a Telegram Secret is given, then the api and the notifier read the token from it, only the api the webhook secret', async () => {
    const objects = await render({
      set: { 'telegram.existingSecret': 'pictor-telegram', 'telegram.botUsername': 'pictor_bot' },
    });
    const names = (name: string) => envOf(objects, name).map((e) => e.name);
    expect(envOf(objects, 'pictor-notifier').find((e) => e.name === 'TELEGRAM_BOT_TOKEN')).toEqual({
      name: 'TELEGRAM_BOT_TOKEN',
      valueFrom: { secretKeyRef: { name: 'pictor-telegram', key: 'bot-token' } },
    });
    expect(names('pictor-api')).toEqual(expect.arrayContaining(['TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET']));
    expect(names('pictor-notifier')).not.toContain('TELEGRAM_WEBHOOK_SECRET');
    expect(names('pictor-worker')).not.toContain('TELEGRAM_BOT_TOKEN');
    for (const { pod } of podsOf(plain)) {
      for (const container of pod.containers)
        expect((container.env ?? []).map((e) => e.name)).not.toContain('TELEGRAM_BOT_TOKEN');
    }
  });

  it('when the ingress has TLS, then PUBLIC_URL is https, so the session cookie is Secure', () => {
    const config = find(withMail, 'ConfigMap', 'pictor-config').data ?? {};
    expect(config.PUBLIC_URL).toBe('https://pictor.localhost');
  });
});
