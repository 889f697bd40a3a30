// #/team: the people of the account. Owners invite by email, change roles and remove members;
// anyone may leave. (The last owner can neither leave nor be demoted: 409 last_owner.)

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import type { Invitation, Items, Member, Role } from '../api-types.ts';
import { errorAt, SelectField, TextField } from '../controls.tsx';
import { ConfirmButton, LoadError, Loading, PageHeader, StatusLine, useStatus } from '../feedback.tsx';
import { formatDate } from '../format.ts';
import { navigate } from '../router.ts';
import { isOwner, useSession } from '../session.ts';
import { useResource } from '../use-resource.ts';

const ROLES = [
  { value: 'member', label: 'Member' },
  { value: 'owner', label: 'Owner' },
] as const;

export function TeamPage() {
  const { session, refresh } = useSession();
  const owner = isOwner(session);
  const members = useResource(() => api.get<Items<Member>>('/api/members'), []);
  const invitations = useResource(() => (owner ? api.get<Items<Invitation>>('/api/invitations') : Promise.resolve({ items: [] })), [owner]);
  const status = useStatus();

  const changeRole = async (member: Member, role: Role) => {
    status.busy('Saving…');
    try {
      const saved = await api.patch<Member>(`/api/members/${encodeURIComponent(member.userId)}`, { role });
      members.setData((current) => ({ items: (current?.items ?? []).map((m) => (m.userId === saved.userId ? saved : m)) }));
      status.ok(`${member.email} is now ${role === 'owner' ? 'an owner' : 'a member'}.`);
      if (member.userId === session.user.id) await refresh();
    } catch (error) {
      status.error(error);
      await members.reload();
    }
  };

  const remove = async (member: Member) => {
    await api.delete(`/api/members/${encodeURIComponent(member.userId)}`);
    if (member.userId === session.user.id) {
      await refresh();
      navigate('#/forms');
      return;
    }
    members.setData((current) => ({ items: (current?.items ?? []).filter((m) => m.userId !== member.userId) }));
    status.ok(`${member.email} was removed.`);
  };

  return (
    <>
      <PageHeader title="Team" lead={`The people who work on ${session.account?.name ?? 'this account'}. Owners manage sites, keys, the team and deletions; members work with forms and submissions.`} />
      {owner && <InviteForm onInvited={() => void invitations.reload()} />}
      <StatusLine status={status.status} />
      <section class="card" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        {members.loading && !members.data && <Loading />}
        <LoadError error={members.error} retry={members.reload} />
        {members.data && (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.items.map((member) => {
                  const self = member.userId === session.user.id;
                  return (
                    <tr key={member.userId}>
                      <th scope="row">
                        {member.email} {self && <span class="muted">(you)</span>}
                      </th>
                      <td>
                        {owner ? (
                          <SelectField<Role> class="field-compact" label={<span class="visually-hidden">Role of {member.email}</span>} value={member.role} options={ROLES} onChange={(role) => void changeRole(member, role)} />
                        ) : (
                          <span>{member.role === 'owner' ? 'Owner' : 'Member'}</span>
                        )}
                      </td>
                      <td>{formatDate(member.createdAt)}</td>
                      <td class="row-actions">
                        {(owner || self) && (
                          <ConfirmButton
                            class="button button-small button-danger"
                            label={self ? 'Leave this account' : `Remove ${member.email}`}
                            title={self ? `Leave ${session.account?.name ?? 'this account'}?` : `Remove ${member.email}?`}
                            message={<p>{self ? 'You will no longer see its forms and submissions.' : 'They will no longer see this account.'}</p>}
                            confirmLabel={self ? 'Leave' : 'Remove'}
                            onConfirm={() => remove(member)}
                          >
                            {self ? 'Leave' : 'Remove'}
                          </ConfirmButton>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {owner && (
        <section class="card" aria-labelledby="invitations-title">
          <h2 id="invitations-title">Pending invitations</h2>
          <LoadError error={invitations.error} retry={invitations.reload} />
          {invitations.data && invitations.data.items.length === 0 && <p class="empty">None.</p>}
          {invitations.data && invitations.data.items.length > 0 && (
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Expires</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {invitations.data.items.map((invitation) => (
                    <tr key={invitation.id}>
                      <th scope="row">{invitation.email}</th>
                      <td>{invitation.role === 'owner' ? 'Owner' : 'Member'}</td>
                      <td>{formatDate(invitation.expiresAt)}</td>
                      <td class="row-actions">
                        <ConfirmButton
                          class="button button-small button-danger"
                          label={`Cancel the invitation of ${invitation.email}`}
                          title={`Cancel the invitation of ${invitation.email}?`}
                          message={<p>The link in their email stops working.</p>}
                          confirmLabel="Cancel invitation"
                          onConfirm={async () => {
                            await api.delete(`/api/invitations/${encodeURIComponent(invitation.id)}`);
                            await invitations.reload();
                          }}
                        >
                          Cancel
                        </ConfirmButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}

function InviteForm({ onInvited }: { onInvited(): void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();

  const submit = async (event: Event) => {
    event.preventDefault();
    status.busy('Sending the invitation…');
    setFields({});
    try {
      const invitation = await api.post<Invitation>('/api/invitations', { email, role });
      setEmail('');
      status.ok(`Invitation sent to ${invitation.email}.`);
      onInvited();
    } catch (error) {
      if (error instanceof ApiError) setFields(error.code === 'already_member' ? { email: error.message } : error.fields);
      status.error(error);
    }
  };

  return (
    <section class="card" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      <form onSubmit={submit} class="inline-form" noValidate>
        <TextField label="Email" type="email" required value={email} onInput={setEmail} error={errorAt(fields, 'email')} />
        <SelectField<Role> label="Role" value={role} options={ROLES} onChange={setRole} error={errorAt(fields, 'role')} />
        <button type="submit" class="button button-primary" disabled={status.status?.kind === 'busy'}>
          Send invitation
        </button>
      </form>
      <StatusLine status={status.status} />
    </section>
  );
}
