/* Browse page: replaced by the faceted browser. */
