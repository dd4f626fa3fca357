import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { notFound, page, redirect } from '../../web/results.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { audit, changedFields } from '../../services/audit.ts';
import { findBoard, listBoards } from '../../repositories/forums.ts';
import { moderate } from './shared.ts';
import { idParam } from '../../web/params.ts';

const BOARD_FORM = {
  name: { label: 'forum.board.name', required: true, maxLength: 100, messages: { required: 'forum.board.name.required' } },
  description: { label: 'forum.board.description', maxLength: 1000 },
  position: { label: 'forum.board.position', check: (v: string) => (/^\d{1,4}$/.test(v) ? null : 'forum.board.position.invalid') },
} as const;

const fields = (values: { name: string; description: string; position: string }) => ({
  name: values.name, description: values.description || null, position: values.position ? Number(values.position) : 0,
});

/** The small admin page where moderators keep the boards: name, description, position in the list. */
export default async function boardAdminRoutes(app: FastifyInstance) {
  async function listPage(req: FastifyRequest, values: Record<string, string> = { name: '', description: '', position: '' }, errors: FieldError[] = [], status = 200) {
    return page('pages/forums/boards', { title: req.viewer.t('forum.boards.title'), boards: await listBoards(req.db), values, errors }, { status });
  }

  function editPage(req: FastifyRequest, board: { id: number; name: string }, values: Record<string, string>, errors: FieldError[] = [], status = 200) {
    return page('pages/forums/board-edit', { title: req.viewer.t('forum.boards.edit', { board: board.name }), board, values, errors }, { status });
  }

  app.get('/forums/admin/boards', { config: { access: moderate } }, async (req) => listPage(req));

  app.post('/forums/admin/boards', { config: { access: moderate } }, async (req) => {
    const { values, errors } = parseForm(req.body, BOARD_FORM);
    if (errors.length) return listPage(req, values, errors, 422);
    try {
      // A savepoint: a name already taken must leave the request's transaction usable for the form page.
      const [row] = await req.db.transaction((sp) => sp('forum_boards').insert(fields(values)).returning('id'));
      await audit(req, { entityType: 'forum_board', entityId: row.id, action: 'created', after: fields(values) });
    } catch (err) {
      if (!isUniqueViolation(err, 'forum_boards_name')) throw err;
      return listPage(req, values, [{ field: 'name', key: 'forum.board.name.taken', vars: { field: 'forum.board.name' } }], 422);
    }
    req.session.set('flash', { key: 'forum.boards.saved', vars: { board: values.name } });
    return redirect('/forums/admin/boards');
  });

  app.get('/forums/admin/boards/:id', { config: { access: moderate } }, async (req) => {
    const board = await findBoard(req.db, idParam(req));
    if (!board) throw notFound();
    return editPage(req, board, { name: board.name, description: board.description ?? '', position: String(board.position) });
  });

  app.post('/forums/admin/boards/:id', { config: { access: moderate } }, async (req) => {
    const board = await findBoard(req.db, idParam(req));
    if (!board) throw notFound();
    const { values, errors } = parseForm(req.body, BOARD_FORM);
    if (errors.length) return editPage(req, board, values, errors, 422);
    try {
      await req.db.transaction((sp) => sp('forum_boards').where('id', board.id).update({ ...fields(values), updated_at: sp.fn.now() }));
    } catch (err) {
      if (!isUniqueViolation(err, 'forum_boards_name')) throw err;
      return editPage(req, board, values, [{ field: 'name', key: 'forum.board.name.taken', vars: { field: 'forum.board.name' } }], 422);
    }
    const diff = changedFields({ name: board.name, description: board.description, position: board.position }, fields(values));
    if (diff) await audit(req, { entityType: 'forum_board', entityId: board.id, action: 'updated', ...diff });
    req.session.set('flash', { key: 'forum.boards.saved', vars: { board: values.name } });
    return redirect('/forums/admin/boards');
  });
}
