// Accounts in the browser: the sign-in form, the account buttons in the top
// bar (change password, sign out), a project's members with their roles,
// and the read-only workspace of a viewer. Without accounts none of this
// shows: the server acts as the local user.

import * as api from './api.js';
import { h, mount, toast, showError, dialog, confirmDialog } from './dom.js';

const ROLES = ['owner', 'coder', 'viewer'];
let signedIn = false;

// A request refused for want of a session (it expired, or was ended by a
// password change elsewhere): start again at the sign-in form.
window.addEventListener('axial:unauthorized', () => {
  if (signedIn) location.reload();
});

/** Shows the sign-in form until signing in works; resolves to the new session. */
export function signIn() {
  return new Promise((resolve) => {
    const name = h('input#login-name', { name: 'username', autocomplete: 'username', required: true });
    const password = h('input#login-password', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
    const error = h('p.login-error#login-error', { role: 'alert' });
    const submit = h('button.btn.primary#login-submit', { type: 'submit' }, 'Sign in');
    const form = h('form.login-form#login-form',
      { onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        error.textContent = '';
        try {
          await api.post('/auth/login', { name: name.value, password: password.value });
          const s = await api.session();
          signedIn = !!s.user;
          resolve(s);
        } catch (err) {
          if (err.status === 429) error.textContent = 'Too many failed attempts: ' + err.message;
          else if (err.status === 401) error.textContent = 'Wrong name or password.';
          else error.textContent = err.message;
          password.value = '';
          password.focus();
        } finally {
          submit.disabled = false;
        }
      } },
      h('h1', 'Sign in to Axial'),
      h('label.field', h('span', 'Name'), name),
      h('label.field', h('span', 'Password'), password),
      error,
      submit,
      h('p.login-note', 'Your administrator gives you an account.'));
    mount(document.getElementById('crumbs'));
    mount(document.getElementById('tabs'));
    const app = document.getElementById('app');
    app.className = 'app';
    mount(app, h('div.login-page', form));
    name.focus();
  });
}

/** The user's name in the top bar, with the account buttons when accounts are on. */
export function accountMenu(session) {
  const el = document.getElementById('user');
  signedIn = !!(session.accounts && session.user);
  if (!session.accounts) {
    el.textContent = session.user || '';
    return;
  }
  mount(el,
    h('span.user-name', { title: session.user }, session.display_name || session.user),
    h('button.btn.small#change-password', { type: 'button', onclick: changePassword }, 'Password'),
    h('button.btn.small#sign-out', { type: 'button', onclick: signOut }, 'Sign out'));
}

async function changePassword() {
  const v = await dialog({
    title: 'Change your password',
    fields: [
      { name: 'old', label: 'Current password', type: 'password' },
      { name: 'new', label: 'New password (at least 10 characters)', type: 'password' },
      { name: 'again', label: 'New password again', type: 'password' },
    ],
    ok: 'Change password',
  });
  if (!v) return;
  if (v.new !== v.again) return showError(new Error('The two new passwords differ; nothing was changed.'));
  try {
    await api.post('/auth/password', { old: v.old, new: v.new });
    toast('Password changed; your other sessions are signed out');
  } catch (e) {
    showError(e);
  }
}

async function signOut() {
  signedIn = false;
  try {
    await api.post('/auth/logout');
  } catch (e) {
    // Signed out already.
  }
  location.hash = '#/';
  location.reload();
}

/** Works out the caller's role in the open project and shapes the page by it. */
export async function projectRole(ctx) {
  let role = 'owner';
  if (ctx.session && ctx.session.accounts) {
    try {
      const members = await api.get('/projects/' + ctx.project.id + '/members');
      const me = members.find((m) => m.name === ctx.session.user);
      role = me ? me.role : 'viewer';
    } catch (e) {
      role = 'viewer';
    }
  }
  ctx.role = role;
  document.body.dataset.role = role;
  document.body.classList.toggle('read-only', role === 'viewer');
  document.getElementById('members').hidden = !(ctx.session && ctx.session.accounts && role === 'owner');
  const crumbs = document.getElementById('crumbs');
  const note = crumbs.querySelector('.read-only-note');
  if (note) note.remove();
  if (role === 'viewer') crumbs.append(h('span.read-only-note#read-only-note', 'read only (viewer)'));
  return role;
}

/** Back on the projects page: no project, no role. */
export function clearProjectRole() {
  delete document.body.dataset.role;
  document.body.classList.remove('read-only');
  document.getElementById('members').hidden = true;
}

/** The members dialog for owners: roles to change, members to add and remove. */
export async function membersDialog(ctx) {
  if (!ctx.project) return;
  const pid = ctx.project.id;
  const body = h('div.members');
  const overlay = h('div.overlay', { onmousedown: (e) => e.target === overlay && close() },
    h('div.dialog.wide', { role: 'dialog', 'aria-label': 'Members' },
      h('h2', 'Members of ' + ctx.project.name), body,
      h('div.actions', h('button.btn', { type: 'button', onclick: () => close() }, 'Close'))));
  const onKey = (e) => {
    if (e.key === 'Escape') close();
  };
  function close() {
    overlay.remove();
    document.removeEventListener('keydown', onKey, true);
  }
  const roleSelect = (value) => h('select', ROLES.map((r) => h('option', { value: r, selected: r === value }, r)));
  async function render() {
    let members;
    try {
      members = await api.get('/projects/' + pid + '/members');
    } catch (e) {
      return showError(e);
    }
    const rows = members.map((m) => {
      const sel = roleSelect(m.role);
      sel.addEventListener('change', () => change(m, sel.value));
      return h('tr', { dataset: { member: m.name } },
        h('td', m.display_name && m.display_name !== m.name ? m.display_name + ' (' + m.name + ')' : m.name),
        h('td', sel),
        h('td', h('button.btn.small.danger', { type: 'button', onclick: () => remove(m) }, 'Remove')));
    });
    const name = h('input#member-name', { placeholder: 'User name' });
    const role = roleSelect('coder');
    const add = h('form.members-add', { onsubmit: async (e) => {
      e.preventDefault();
      if (!name.value.trim()) return;
      await change({ name: name.value.trim() }, role.value);
    } }, name, role, h('button.btn.primary', { type: 'submit' }, 'Add'));
    mount(body,
      h('table.members-table', h('thead', h('tr', h('th', 'User'), h('th', 'Role'), h('th', ''))), h('tbody', rows)),
      h('h3', 'Add a member'), add);
  }
  async function change(m, role) {
    try {
      await api.put('/projects/' + pid + '/members/' + encodeURIComponent(m.user_id || m.name), { role });
      toast(m.name + ' is now ' + role);
    } catch (e) {
      showError(e);
    }
    await render();
  }
  async function remove(m) {
    if (!(await confirmDialog('Remove ' + m.name + '?', m.name + ' will no longer see this project.', 'Remove', true))) return;
    try {
      await api.del('/projects/' + pid + '/members/' + encodeURIComponent(m.user_id));
      toast('Removed ' + m.name);
    } catch (e) {
      showError(e);
    }
    await render();
  }
  document.body.append(overlay);
  document.addEventListener('keydown', onKey, true);
  await render();
}
