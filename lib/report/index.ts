/**
 * The self-contained HTML report of a dependency report (`covlasso report`).
 * @module
 */
export { renderReport, REPORT_JS } from './render';
export { reportData } from './data';
export type { ReportData, ReportDataTarget } from './data';
export { escapeHtml, scriptJson } from './escape';
export type { ReportInput, ReportOptions, ReportTarget, ReportEvaluation, ReportLambdaPath } from './types';
