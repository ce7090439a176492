/* bp-misclassified.c: the misclassified browser.
 *
 * The state arrives with its mistakes already sorted (most confident wrong
 * answer first, on the training thread). The list is BpMistakeList, a small
 * GListModel over a plain array of evaluation indices: the state's own array,
 * or for a filter by true and predicted class an array of the matching ones.
 * A new state or filter swaps the array and emits one items-changed for the
 * difference in length; rows on screen are redrawn in place. Nothing is
 * allocated per mistake: a GListStore of one GObject per mistake, rebuilt
 * every epoch, made GtkListView look for its tracked rows among thousands
 * of new items and rebuild its row widgets, 15-30 ms of the main loop for
 * MNIST. Rows draw their thumbnail when bound, so only visible rows make an
 * image. It does not evaluate anything: the count is the evaluation's own
 * (n - n_correct).
 */
#include "bp-misclassified.h"

#include "bp-prediction-grid.h"
#include "bp-sample-view.h"
#include "bp-view-util.h"

/* ---- A row of the list: a position, not a sample ------------------------ */

/* Items are slots, one per position, made when first asked for and kept:
 * the same object stands for "the k-th mistake shown" across states and
 * filters, so the list view keeps its rows, scroll position and selection
 * and only redraws what it shows. */
#define BP_TYPE_MISTAKE_SLOT (bp_mistake_slot_get_type ())
G_DECLARE_FINAL_TYPE (BpMistakeSlot, bp_mistake_slot, BP, MISTAKE_SLOT, GObject)

struct _BpMistakeSlot
{
  GObject parent_instance;
  guint   position;
};

G_DEFINE_FINAL_TYPE (BpMistakeSlot, bp_mistake_slot, G_TYPE_OBJECT)

static void bp_mistake_slot_class_init (BpMistakeSlotClass *klass) {}
static void bp_mistake_slot_init (BpMistakeSlot *self) {}

/* ---- The list model ------------------------------------------------------ */

#define BP_TYPE_MISTAKE_LIST (bp_mistake_list_get_type ())
G_DECLARE_FINAL_TYPE (BpMistakeList, bp_mistake_list, BP, MISTAKE_LIST, GObject)

struct _BpMistakeList
{
  GObject    parent_instance;
  const int *shown;     /* (n_shown) borrowed from the browser: evaluation indices */
  guint      n_shown;
  GPtrArray *slots;     /* BpMistakeSlot by position; NULL where never asked for */
};

static GType
bp_mistake_list_get_item_type (GListModel *model)
{
  return BP_TYPE_MISTAKE_SLOT;
}

static guint
bp_mistake_list_get_n_items (GListModel *model)
{
  return BP_MISTAKE_LIST (model)->n_shown;
}

static gpointer
bp_mistake_list_get_item (GListModel *model, guint position)
{
  BpMistakeList *self = BP_MISTAKE_LIST (model);
  BpMistakeSlot *slot;

  if (position >= self->n_shown)
    return NULL;
  if (position >= self->slots->len)
    g_ptr_array_set_size (self->slots, position + 1);
  slot = g_ptr_array_index (self->slots, position);
  if (!slot)
    {
      slot = g_object_new (BP_TYPE_MISTAKE_SLOT, NULL);
      slot->position = position;
      g_ptr_array_index (self->slots, position) = slot;
    }
  return g_object_ref (slot);
}

static void
bp_mistake_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = bp_mistake_list_get_item_type;
  iface->get_n_items = bp_mistake_list_get_n_items;
  iface->get_item = bp_mistake_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (BpMistakeList, bp_mistake_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, bp_mistake_list_model_init))

static void
bp_mistake_list_finalize (GObject *object)
{
  g_ptr_array_unref (BP_MISTAKE_LIST (object)->slots);
  G_OBJECT_CLASS (bp_mistake_list_parent_class)->finalize (object);
}

static void
bp_mistake_list_class_init (BpMistakeListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bp_mistake_list_finalize;
}

/* Slots are made when a row asks for them, so the array has holes: its
 * free function sees NULL, which g_object_unref() does not take. */
static void
slot_free (gpointer slot)
{
  if (slot != NULL)
    g_object_unref (slot);
}

static void
bp_mistake_list_init (BpMistakeList *self)
{
  self->slots = g_ptr_array_new_with_free_func (slot_free);
}

/* Shows @shown (n) instead; the caller keeps it alive until the next call.
 * Positions both lists have keep their items, so one signal covers the rest. */
static void
bp_mistake_list_set (BpMistakeList *self, const int *shown, guint n)
{
  guint old = self->n_shown, common = MIN (old, n);

  self->shown = shown;
  self->n_shown = n;
  if (old != n)
    g_list_model_items_changed (G_LIST_MODEL (self), common, old - common, n - common);
}

/* ---- The browser ------------------------------------------------------- */

struct _BpMisclassified
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel     *count_label;
  BpSampleView *detail;
  GtkBox       *filter_bar;
  GtkListView  *list_view;
  GtkDropDown  *predicted_dropdown;
  AdwStatusPage *status_page;
  GtkStack     *stack;
  GtkDropDown  *true_dropdown;

  /* Owned */
  BpInspectState     *state;
  BpMistakeList      *list;
  GtkSingleSelection *selection;
  int                *filtered;   /* (state->n_mistakes) the mistakes a filter lets through */
  int                 filter_truth, filter_predicted;
  int                 n_classes;
  gboolean            updating_dropdowns;
  gboolean            listing;    /* in update_list (): selection changes are not the user's */

  /* Borrowed */
  GPtrArray          *bound;      /* GtkListItem: rows bound now, to redraw in place */
};

G_DEFINE_FINAL_TYPE (BpMisclassified, bp_misclassified, GTK_TYPE_WIDGET)

enum {
  SAMPLE_SELECTED,
  SAMPLE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The test row of the selected mistake, or -1. */
static int
selected_row (BpMisclassified *self)
{
  int index = bp_misclassified_get_selected (self);
  NnEvalResult *test = self->state ? self->state->test : NULL;

  if (index < 0 || test == NULL || index >= test->n)
    return -1;
  return test->rows ? (int) test->rows[index] : index;
}

/* What the evaluation says of its @index-th sample. */
static void
mistake_info (BpMisclassified *self, int index, int *truth, int *predicted, float *confidence)
{
  NnEvalResult *test = self->state->test;
  const NnDataset *ds = self->state->data->test;
  int p = test->predicted[index];

  *truth = test->labels ? test->labels[index] : ds->labels[test->rows[index]];
  *predicted = p;
  *confidence = p >= 0 && p < test->n_outputs ? test->outputs[(size_t) index * test->n_outputs + p] : 0;
}

static guint
n_total (BpMisclassified *self)
{
  return self->n_classes > 0 ? (guint) self->state->n_mistakes : 0;
}

static void
update_count (BpMisclassified *self)
{
  g_autofree char *text = NULL;
  guint total = n_total (self);
  guint shown = self->list->n_shown;

  if (!self->state || !self->state->test)
    text = g_strdup ("");
  else if (shown == total)
    text = g_strdup_printf ("%u misclassified of %d · test accuracy %.2f %%", total,
                            self->state->test->n, 100.0 * self->state->test->accuracy);
  else
    text = g_strdup_printf ("%u shown · %u misclassified of %d · test accuracy %.2f %%", shown,
                            total, self->state->test->n, 100.0 * self->state->test->accuracy);
  gtk_label_set_text (self->count_label, text);

  if (total > 0 && shown > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else
    {
      if (!self->state || !self->state->test)
        {
          adw_status_page_set_title (self->status_page, "No Mistakes Yet");
          adw_status_page_set_description (self->status_page,
                                           "Misclassified test samples appear here after an epoch.");
        }
      else if (self->state->data->test->task != NN_TASK_CLASSIFICATION)
        {
          adw_status_page_set_title (self->status_page, "Regression");
          adw_status_page_set_description (self->status_page,
                                           "Mistakes are listed for classification datasets; see the Boundary page for predicted against true values.");
        }
      else if (total == 0)
        {
          adw_status_page_set_title (self->status_page, "No Mistakes");
          adw_status_page_set_description (self->status_page,
                                           "Every test sample was classified correctly.");
        }
      else
        {
          adw_status_page_set_title (self->status_page, "None of These");
          adw_status_page_set_description (self->status_page,
                                           "No mistakes match the chosen classes.");
        }
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
}

static void
selection_changed_cb (BpMisclassified *self)
{
  int row = selected_row (self);

  bp_sample_view_set_sample (self->detail, self->state, bp_misclassified_get_selected (self));
  if (row >= 0 && !self->listing)
    g_signal_emit (self, signals[SAMPLE_SELECTED], 0, row);
}

static void
activate_cb (BpMisclassified *self, guint position)
{
  int row = selected_row (self);

  if (row >= 0)
    g_signal_emit (self, signals[SAMPLE_ACTIVATED], 0, row);
}

static void
render_row (BpMisclassified *self, GtkListItem *item)
{
  guint position = gtk_list_item_get_position (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *thumb = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (thumb);
  char **names = self->state ? self->state->data->class_names : NULL;
  g_autofree char *truth_name = NULL, *pred_name = NULL, *truth = NULL, *pred = NULL;
  g_autofree char *markup = NULL;
  int index, t, p;
  float confidence;

  /* A row on its way out (the list just got shorter) shows nothing. */
  if (!self->state || position >= self->list->n_shown)
    {
      gtk_label_set_text (GTK_LABEL (label), "");
      bp_sample_view_set_sample (BP_SAMPLE_VIEW (thumb), NULL, -1);
      return;
    }
  index = self->list->shown[position];
  mistake_info (self, index, &t, &p, &confidence);
  truth_name = _bp_class_name (names, self->n_classes, t);
  pred_name = _bp_class_name (names, self->n_classes, p);
  truth = g_markup_escape_text (truth_name, -1);
  pred = g_markup_escape_text (pred_name, -1);
  markup = g_strdup_printf ("<b>%s</b>  %.0f %%\n<small>true: %s</small>", pred,
                            100.0 * confidence, truth);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  bp_sample_view_set_sample (BP_SAMPLE_VIEW (thumb), self->state, index);
}

/* Shows the mistakes the filter lets through; the selected sample stays
 * selected when it is still listed. */
static void
update_list (BpMisclassified *self, int keep)
{
  const int *shown = NULL;
  guint n = 0, total = n_total (self);
  int *old_filtered = g_steal_pointer (&self->filtered);

  /* A new list is no pick of the user's: the feature maps keep theirs. */
  self->listing = TRUE;

  if (total > 0 && self->filter_truth < 0 && self->filter_predicted < 0)
    {
      shown = self->state->mistakes;
      n = total;
    }
  else if (total > 0)
    {
      self->filtered = g_new (int, total);
      for (guint i = 0; i < total; i++)
        {
          int index = self->state->mistakes[i], t, p;
          float confidence;

          mistake_info (self, index, &t, &p, &confidence);
          if ((self->filter_truth < 0 || t == self->filter_truth)
              && (self->filter_predicted < 0 || p == self->filter_predicted))
            self->filtered[n++] = index;
        }
      shown = self->filtered;
    }

  bp_mistake_list_set (self->list, shown, n);
  g_free (old_filtered);
  /* Rows that kept their position show another mistake now. */
  for (guint i = 0; i < self->bound->len; i++)
    render_row (self, g_ptr_array_index (self->bound, i));

  if (keep >= 0)
    for (guint i = 0; i < n; i++)
      if (shown[i] == keep)
        {
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
  update_count (self);
  selection_changed_cb (self);
  self->listing = FALSE;
}

static void
dropdown_changed_cb (BpMisclassified *self)
{
  int keep = bp_misclassified_get_selected (self);
  guint t, p;

  if (self->updating_dropdowns)
    return;
  t = gtk_drop_down_get_selected (self->true_dropdown);
  p = gtk_drop_down_get_selected (self->predicted_dropdown);
  self->filter_truth = t == GTK_INVALID_LIST_POSITION || t == 0 ? -1 : (int) t - 1;
  self->filter_predicted = p == GTK_INVALID_LIST_POSITION || p == 0 ? -1 : (int) p - 1;
  update_list (self, keep);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory, GtkListItem *item, BpMisclassified *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *thumb = bp_sample_view_new (TRUE);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_size_request (thumb, 48, 48);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_widget_set_margin_start (box, 6);
  gtk_box_append (GTK_BOX (box), thumb);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory, GtkListItem *item, BpMisclassified *self)
{
  g_ptr_array_add (self->bound, item);
  render_row (self, item);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory, GtkListItem *item, BpMisclassified *self)
{
  if (self->bound)
    g_ptr_array_remove_fast (self->bound, item);
}

static GtkStringList *
class_list (const char *any, char **names, int n_classes)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  gtk_string_list_append (list, any);
  for (int k = 0; k < n_classes; k++)
    {
      g_autofree char *name = _bp_class_name (names, n_classes, k);

      gtk_string_list_append (list, name);
    }
  return list;
}

void
bp_misclassified_set_state (BpMisclassified *self, BpInspectState *state)
{
  /* The list reads the old state's array until update_list() replaces it. */
  g_autoptr (BpInspectState) old = NULL;
  int old_classes = self->n_classes;
  int keep;

  g_return_if_fail (BP_IS_MISCLASSIFIED (self));

  /* The sample a user selected, if this evaluation still gets it wrong. */
  keep = bp_misclassified_get_selected (self);
  old = g_steal_pointer (&self->state);
  self->state = state ? bp_inspect_state_ref (state) : NULL;
  self->n_classes = 0;

  if (state && state->test && state->data && state->data->test
      && state->data->test->task == NN_TASK_CLASSIFICATION && state->test->predicted)
    self->n_classes = MAX (state->data->test->n_classes, state->test->n_outputs);

  /* Class lists change only with the dataset; rebuilding them would reset
   * the user's filter every epoch. */
  if (self->n_classes != old_classes)
    {
      g_autoptr (GtkStringList) tl = NULL, pl = NULL;
      char **names = state && state->data ? state->data->class_names : NULL;

      self->updating_dropdowns = TRUE;
      tl = class_list ("Any", names, self->n_classes);
      pl = class_list ("Any", names, self->n_classes);
      gtk_drop_down_set_model (self->true_dropdown, G_LIST_MODEL (tl));
      gtk_drop_down_set_model (self->predicted_dropdown, G_LIST_MODEL (pl));
      gtk_drop_down_set_selected (self->true_dropdown, 0);
      gtk_drop_down_set_selected (self->predicted_dropdown, 0);
      self->filter_truth = self->filter_predicted = -1;
      self->updating_dropdowns = FALSE;
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_bar), self->n_classes > 0);
  update_list (self, keep);
}

void
bp_misclassified_set_filter (BpMisclassified *self, int truth, int predicted)
{
  g_return_if_fail (BP_IS_MISCLASSIFIED (self));

  self->updating_dropdowns = TRUE;
  gtk_drop_down_set_selected (self->true_dropdown, truth >= 0 && truth < self->n_classes ? truth + 1 : 0);
  gtk_drop_down_set_selected (self->predicted_dropdown,
                              predicted >= 0 && predicted < self->n_classes ? predicted + 1 : 0);
  self->updating_dropdowns = FALSE;
  dropdown_changed_cb (self);
  if (self->list->n_shown > 0)
    gtk_single_selection_set_selected (self->selection, 0);
}

void
bp_misclassified_get_filter (BpMisclassified *self, int *truth, int *predicted)
{
  if (truth)
    *truth = self->filter_truth;
  if (predicted)
    *predicted = self->filter_predicted;
}

guint
bp_misclassified_get_n_total (BpMisclassified *self)
{
  return n_total (self);
}

guint
bp_misclassified_get_n_shown (BpMisclassified *self)
{
  return self->list->n_shown;
}

int
bp_misclassified_get_shown (BpMisclassified *self, guint position)
{
  return position < self->list->n_shown ? self->list->shown[position] : -1;
}

int
bp_misclassified_get_selected (BpMisclassified *self)
{
  return bp_misclassified_get_shown (self, gtk_single_selection_get_selected (self->selection));
}

void
bp_misclassified_select (BpMisclassified *self, guint position)
{
  gtk_single_selection_set_selected (self->selection, position);
}

gboolean
bp_misclassified_export_png (BpMisclassified *self, const char *path, GError **error)
{
  g_autoptr (GtkWidget) sheet = g_object_ref_sink (bp_prediction_grid_new ());
  guint n = MIN (bp_misclassified_get_n_shown (self), 64);
  g_autofree int *indices = g_new (int, MAX (n, 1));

  /* The sheet is a prediction grid of the mistakes shown, in list order. */
  for (guint i = 0; i < n; i++)
    indices[i] = bp_misclassified_get_shown (self, i);
  bp_prediction_grid_set_samples (BP_PREDICTION_GRID (sheet), self->state, indices, n,
                                  "No misclassified samples to export.");
  return bp_prediction_grid_export_png (BP_PREDICTION_GRID (sheet), path, 0, 0, error);
}

static void
bp_misclassified_dispose (GObject *object)
{
  BpMisclassified *self = BP_MISCLASSIFIED (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), BP_TYPE_MISCLASSIFIED);
  /* Unbound template children (the tool bar) are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  if (self->list)
    bp_mistake_list_set (self->list, NULL, 0);
  g_clear_object (&self->list);
  g_clear_pointer (&self->filtered, g_free);
  g_clear_pointer (&self->bound, g_ptr_array_unref);
  g_clear_pointer (&self->state, bp_inspect_state_unref);

  G_OBJECT_CLASS (bp_misclassified_parent_class)->dispose (object);
}

static void
bp_misclassified_class_init (BpMisclassifiedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bp_misclassified_dispose;

  g_type_ensure (BP_TYPE_SAMPLE_VIEW);
  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  /**
   * BpMisclassified::sample-selected:
   * @row: the selected mistake's test sample, a row of the test set
   */
  signals[SAMPLE_SELECTED] = g_signal_new ("sample-selected", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_INT);
  /**
   * BpMisclassified::sample-activated:
   * @row: the test sample of the mistake double-clicked or given Enter
   */
  signals[SAMPLE_ACTIVATED] = g_signal_new ("sample-activated", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop/Backprop/bp-misclassified.ui");
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, count_label);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, detail);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, list_view);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, predicted_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, status_page);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, stack);
  gtk_widget_class_bind_template_child (widget_class, BpMisclassified, true_dropdown);

  gtk_widget_class_set_css_name (widget_class, "bpmisclassified");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
bp_misclassified_init (BpMisclassified *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->filter_truth = self->filter_predicted = -1;
  self->bound = g_ptr_array_new ();
  self->list = g_object_new (BP_TYPE_MISTAKE_LIST, NULL);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->list)));
  /* Items change only in update_list(), which updates the detail itself. */
  g_signal_connect_swapped (self->selection, "selection-changed",
                            G_CALLBACK (selection_changed_cb), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->list_view, "activate", G_CALLBACK (activate_cb), self);

  g_signal_connect_swapped (self->true_dropdown, "notify::selected",
                            G_CALLBACK (dropdown_changed_cb), self);
  g_signal_connect_swapped (self->predicted_dropdown, "notify::selected",
                            G_CALLBACK (dropdown_changed_cb), self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Misclassified test samples", -1);
  update_count (self);
}

GtkWidget *
bp_misclassified_new (void)
{
  return g_object_new (BP_TYPE_MISCLASSIFIED, NULL);
}
