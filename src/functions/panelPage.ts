import { app } from '@azure/functions';
import { functionNames } from '../functionNames';
import { withJsonErrors } from '../http/errorResponse';
import { servePanelAsset } from '../web/panelPage';

app.http(functionNames.panelPage, {
  route: 'panel/{asset?}',
  methods: ['GET'],
  // Static files with no secret in them; every API call the page makes carries the key (or the user's login).
  authLevel: 'anonymous',
  handler: (request, context) =>
    withJsonErrors(context, () => Promise.resolve(servePanelAsset(request.params.asset))),
});
