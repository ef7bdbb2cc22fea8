import type { RoleName } from '../core/api-token.js';
import type { MailMessage } from '../mail/mailer.js';

/** Where one-time account links point: pages of the console at the configured public URL. */
export function accountLink(publicUrl: string, purpose: 'invite' | 'password_reset', secret: string): string {
  const page = purpose === 'invite' ? 'invite' : 'reset-password';
  return `${publicUrl.replace(/\/+$/, '')}/${page}?token=${encodeURIComponent(secret)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function html(paragraphs: readonly string[], link: string, action: string, footer: readonly string[] = []): string {
  const p = (text: string, style = '') => `<p${style}>${escapeHtml(text)}</p>`;
  return [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:36rem">',
    ...paragraphs.map((text) => p(text)),
    `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>`,
    p(link, ' style="color:#666;font-size:0.9em"'),
    ...footer.map((text) => p(text, ' style="color:#666"')),
    '</body></html>',
  ].join('\n');
}

/** The invitation email: the link lets the invitee choose a password (once, within 7 days). */
export function invitationEmail(input: { to: string; workspaceId: string; workspaceName: string; role: RoleName; invitedBy: string; link: string; replacesEarlier?: boolean }): MailMessage {
  const intro = `${input.invitedBy} invited you to the workspace "${input.workspaceName}" on Sluice, with the role ${input.role}.${input.replacesEarlier ? ' This invitation replaces the one sent to you earlier, whose link no longer works.' : ''}`;
  const how = 'Open this link to choose your password and sign in. It works once and expires in 7 days:';
  const ignore = 'If you did not expect this invitation, you can ignore this email.';
  return {
    to: input.to,
    workspaceId: input.workspaceId,
    subject: `You are invited to ${input.workspaceName} on Sluice`,
    text: `${intro}\n\n${how}\n${input.link}\n\n${ignore}\n`,
    html: html([intro, how], input.link, 'Accept the invitation', [ignore]),
  };
}

/** The password reset email, sent when an administrator requires a reset or the member asks for one. */
export function passwordResetEmail(input: { to: string; workspaceId: string; workspaceName: string; requestedBy: 'administrator' | 'self'; link: string }): MailMessage {
  const intro =
    input.requestedBy === 'administrator'
      ? `An administrator of the workspace "${input.workspaceName}" on Sluice asked you to choose a new password.`
      : `Someone asked to reset your password for the workspace "${input.workspaceName}" on Sluice. If it was not you, ignore this email: your password is unchanged.`;
  const how = 'Open this link to choose a new password. It works once and expires in 24 hours:';
  return {
    to: input.to,
    workspaceId: input.workspaceId,
    subject: 'Choose a new Sluice password',
    text: `${intro}\n\n${how}\n${input.link}\n`,
    html: html([intro, how], input.link, 'Choose a new password'),
  };
}
