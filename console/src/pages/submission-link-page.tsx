// #/submissions/:id, the link in notification emails: finds the submission's form and opens it
// there, in the inbox.

import { useEffect } from 'preact/hooks';
import { api } from '../api.ts';
import type { SubmissionDetail } from '../api-types.ts';
import { LoadError, Loading } from '../feedback.tsx';
import { href, navigate } from '../router.ts';
import { useResource } from '../use-resource.ts';

export function SubmissionLinkPage({ submissionId }: { submissionId: string }) {
  const submission = useResource(() => api.get<SubmissionDetail>(`/api/submissions/${encodeURIComponent(submissionId)}`), [submissionId]);
  useEffect(() => {
    const found = submission.data;
    if (found) navigate(href(`/forms/${encodeURIComponent(found.formId)}`, { status: found.status === 'spam' ? 'spam' : undefined, submission: found.id }), { replace: true });
  }, [submission.data]);
  return (
    <>
      {submission.loading && <Loading what="Opening the submission…" />}
      <LoadError error={submission.error} retry={submission.reload} />
    </>
  );
}
