export interface Product {
  id: string;
  name: string;
  price: number;
  blurb: string;
}

export const PRODUCTS: readonly Product[] = [
  { id: 'kettle', name: 'Gooseneck kettle', price: 39, blurb: 'Pours slowly, exactly where you aim.' },
  { id: 'dripper', name: 'Ceramic dripper', price: 24, blurb: 'Holds heat, brews evenly.' },
  { id: 'filters', name: 'Paper filters (100)', price: 6, blurb: 'Unbleached, fit the dripper.' },
];
