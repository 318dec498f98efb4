import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from './capabilities.js';
import { loadWith, permitYaml } from './test-support.js';

const forbidYaml = `version: 1
rules:
  - id: f-no-housing
    effect: forbid
    description: Housing gets no arrests.
    clause: "T.9"
    messageTypes: [arrest-notification]
    to: { roles: [housing] }
    legalBases: [dpa-2018-s35]
  - id: f-probation-trim
    effect: forbid
    description: Probation never sees the address.
    clause: "T.10"
    from: { roles: [police] }
    to: { roles: [probation] }
    legalBases: [dpa-2018-s35]
    withhold: [body.address]
`;

describe('capabilitiesOf', () => {
  it("gives the sender each type it may send with the purposes, recipients and rules behind it, and the forbids that take it in", async () => {
    const set = await loadWith({
      'permits.yaml': permitYaml('t-police-to-probation', '', '    conditions:\n      - { path: body.ppo.status, in: [selected] }\n'),
      'forbids.yaml': forbidYaml,
    });
    const police = capabilitiesOf(set, set.registry.require('nv-police'));
    expect(police).toMatchObject({ agency: 'nv-police', role: 'police', policyVersion: set.version });
    expect(police.messageTypes).toEqual([
      {
        type: 'arrest-notification',
        purposes: [{ code: 'catch-and-convict', title: 'Catch and Convict' }],
        recipients: ['nv-probation'],
        rules: [
          expect.objectContaining({
            id: 't-police-to-probation',
            recipients: ['nv-probation'],
            conditions: [{ path: 'body.ppo.status', in: ['selected'] }],
            disclose: ['subject.name', 'subject.dateOfBirth', 'body.offences'],
            marking: 'OFFICIAL',
            retainDays: 30,
          }),
        ],
      },
    ]);
    expect(police.forbids.map((rule) => [rule.id, rule.recipients, rule.withhold])).toEqual([
      ['f-no-housing', ['nv-housing'], null],
      ['f-probation-trim', ['nv-probation'], ['body.address']],
    ]);
  });

  it('shows another agency nothing of what police may send', async () => {
    const set = await loadWith({ 'permits.yaml': permitYaml('t-police-to-probation'), 'forbids.yaml': forbidYaml });
    const housing = capabilitiesOf(set, set.registry.require('nv-housing'));
    expect(housing.messageTypes).toEqual([]);
    // f-no-housing takes in every sender but reaches only housing itself; f-probation-trim is for police only.
    expect(housing.forbids).toEqual([]);
    const probation = capabilitiesOf(set, set.registry.require('nv-probation'));
    expect(probation.forbids.map((rule) => [rule.id, rule.recipients])).toEqual([['f-no-housing', ['nv-housing']]]);
  });
});
