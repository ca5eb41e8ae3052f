// Shapes the after-submission screens add to the generated ones (../bindings.ts: DossierView,
// FeeView, SupplementView, ResultView, RatingView, ActionState).

/** The result file's bytes and type. */
export interface ResultFile {
  bytes: Uint8Array;
  contentType: string;
}
