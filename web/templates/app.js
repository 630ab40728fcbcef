// Progressive enhancement only: every page works without JavaScript.
// GOV.UK Frontend's page template marks the body with an inline script,
// which the pages' CSP forbids; a module script runs only in the browsers
// that inline check accepts, so marking the body here is equivalent. The
// stylesheet keys its enhanced styles on the class, and initAll starts the
// components (error summary focus, button double-click prevention,
// notification banner focus). Served as /static/app.js.
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
